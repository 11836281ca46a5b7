package submit

import (
	"encoding/json"
	"fmt"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/metadata"
	"github.com/urfave/cli/v2"
)

// reader is the read-only commands' connection and output.
func openRead(c *cli.Context) (*chain.Client, *app.Output, [32]byte, uint16, error) {
	var head [32]byte
	nu, err := netuid(c)
	if err != nil {
		return nil, nil, head, 0, err
	}
	cl, err := connect(c)
	if err != nil {
		return nil, nil, head, 0, err
	}
	head, _, err = cl.FinalizedHead(c.Context)
	if err != nil {
		cl.Close()
		return nil, nil, head, 0, app.Failf("finalized head: %v", err)
	}
	out, err := app.CreateOutput(c.String(app.FlagOutput), app.EnvOf(c).Stdout)
	if err != nil {
		cl.Close()
		return nil, nil, head, 0, err
	}
	return cl, out, head, nu, nil
}

func runMetagraph(c *cli.Context) error {
	cl, out, head, nu, err := openRead(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	defer out.Abort()
	ns, err := cl.Metagraph(c.Context, head, nu)
	if err != nil {
		return app.Failf("metagraph of subnet %d: %v", nu, err)
	}
	owner := subnetOwnerHotkey(c, cl, head, nu)
	for _, n := range ns {
		o := metadata.Object{
			{Key: "uid", Value: n.UID}, {Key: "hotkey", Value: n.Hotkey}, {Key: "coldkey", Value: n.Coldkey},
			{Key: "stake", Value: n.Stake}, {Key: "validator_permit", Value: n.ValidatorPermit},
			{Key: "block_at_registration", Value: n.BlockAtRegistration}, {Key: "last_update", Value: n.LastUpdate},
		}
		if owner != nil && n.HotkeyID() == *owner {
			o = append(o, metadata.KV{Key: "subnet_owner", Value: true})
		}
		b, _ := json.Marshal(o)
		out.Write(append(b, '\n'))
	}
	app.NewLog(c).Summary(fmt.Sprintf("subnet %d: %d neurons at block %s", nu, len(ns), chain.Hex(head[:])))
	return out.Commit()
}

// subnetOwnerHotkey reads SubnetOwnerHotkey where the runtime has it.
func subnetOwnerHotkey(c *cli.Context, cl *chain.Client, head [32]byte, nu uint16) *[32]byte {
	if !cl.Meta.HasStorage("SubtensorModule", "SubnetOwnerHotkey") {
		return nil
	}
	v, ok, err := cl.Query(c.Context, &head, "SubtensorModule", "SubnetOwnerHotkey", nu)
	if err != nil || !ok {
		return nil
	}
	id, ok := chain.AccountID(v)
	if !ok || id == ([32]byte{}) {
		return nil
	}
	return &id
}

func runCommitments(c *cli.Context) error {
	cl, out, head, nu, err := openRead(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	defer out.Abort()
	ns, err := cl.Metagraph(c.Context, head, nu)
	if err != nil {
		return app.Failf("metagraph of subnet %d: %v", nu, err)
	}
	hotkeys := make([][32]byte, len(ns))
	for i, n := range ns {
		hotkeys[i] = n.HotkeyID()
	}
	cms, err := cl.CommitmentsOf(c.Context, &head, nu, hotkeys)
	if err != nil {
		return app.Failf("commitments of subnet %d: %v", nu, err)
	}
	count := 0
	for i, n := range ns {
		o := metadata.Object{{Key: "uid", Value: n.UID}, {Key: "hotkey", Value: n.Hotkey}, {Key: "coldkey", Value: n.Coldkey}}
		cm := cms[i]
		if cm == nil {
			o = append(o, metadata.KV{Key: "block", Value: nil}, metadata.KV{Key: "commitment", Value: nil}, metadata.KV{Key: "error", Value: "no commitment"})
		} else {
			count++
			o = append(o, metadata.KV{Key: "block", Value: cm.Block}, metadata.KV{Key: "commitment", Value: cm.Raw})
			if p, err := chain.ParseCommitment(cm.Raw); err != nil {
				o = append(o, metadata.KV{Key: "error", Value: err.Error()})
			} else {
				o = append(o, metadata.KV{Key: "namespace", Value: p.Namespace}, metadata.KV{Key: "competition", Value: p.Competition}, metadata.KV{Key: "revision", Value: p.Revision})
			}
		}
		b, _ := json.Marshal(o)
		out.Write(append(b, '\n'))
	}
	app.NewLog(c).Summary(fmt.Sprintf("subnet %d: %d of %d hotkeys have a commitment (block %s)", nu, count, len(ns), chain.Hex(head[:])))
	return out.Commit()
}
