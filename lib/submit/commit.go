package submit

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/hub"
	"github.com/flock-off/ff/lib/metadata"
	"github.com/urfave/cli/v2"
)

func runCommit(c *cli.Context) error {
	nu, err := netuid(c)
	if err != nil {
		return err
	}
	files, rev := c.StringSlice("file"), c.String("revision")
	if (len(files) == 0) == (rev == "") {
		return app.Usagef("give either --file (upload, then commit) or --revision SHA (commit only)")
	}
	cm := chain.Commitment{Namespace: c.String("repo"), Competition: c.String("competition-id"), Revision: rev}
	if rev == "" {
		cm.Revision = "0000000" // placeholder: check everything but the revision before uploading
	}
	if err := cm.Validate(); err != nil {
		return app.Usagef("%v", err)
	}
	// Local files before the node: a typo in --file should not wait for
	// (or be hidden behind) a chain connection.
	for _, f := range files {
		if err := checkReadable(f); err != nil {
			return err
		}
	}
	// Keys and the chain first: a bad wallet should fail before a long upload.
	w, err := newWriter(c)
	if err != nil {
		return err
	}
	defer w.close()
	if rev == "" {
		if cm.Revision, err = upload(c, w.log, files); err != nil {
			return err
		}
	}
	if err := cm.Validate(); err != nil {
		return app.Usagef("%v", err)
	}
	text := cm.String()
	pub := w.kp.PublicKey()
	if w.client != nil {
		uid, err := w.client.UIDOf(c.Context, nil, nu, pub)
		if err != nil {
			return app.Failf("%v", err)
		}
		if uid < 0 {
			return app.Failf("hotkey %s is not registered on subnet %d; register it before committing", w.kp.Address(), nu)
		}
		cur, err := w.client.CommitmentOf(c.Context, nil, nu, pub)
		if err != nil {
			return app.Failf("%v", err)
		}
		if cur != nil && cur.Raw == text {
			w.log.Infof("hotkey %s (uid %d) already has %q on subnet %d since block %d; nothing to do", w.kp.Address(), uid, text, nu, cur.Block)
			return w.finish()
		}
	}
	call, err := chain.SetCommitmentCall(w.meta, nu, text)
	if err != nil {
		return app.Usagef("%v", err)
	}
	s, err := w.sign(call)
	if err != nil {
		return err
	}
	extra := metadata.Object{{Key: "commitment", Value: text}}
	if !w.sends() {
		o, err := w.describe(s, extra)
		if err != nil {
			return err
		}
		w.emit(o)
		w.log.Infof("signed %s for %s; not sent (%s)", call.FullName(), w.kp.Address(), notSentWhy(w))
		return w.finish()
	}
	res, err := w.submit(s)
	if err != nil {
		return err
	}
	o, err := w.describe(s, append(extra, resultFields(res)...))
	if err != nil {
		return err
	}
	w.emit(o)
	w.log.Summary(fmt.Sprintf("committed %q for %s on subnet %d in block %s", text, w.kp.Address(), nu, chain.Hex(res.BlockHash[:])))
	return w.finish()
}

func notSentWhy(w *writer) string {
	if w.offline {
		return "offline; send it with ff-submit broadcast"
	}
	return "dry run"
}

// checkReadable fails with exit 3 naming path unless it is a readable file.
func checkReadable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return app.Failf("--file: %v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return app.Failf("--file %s: is a directory", path)
	}
	return nil
}

// upload publishes files to the dataset repo in one commit and returns its sha.
func upload(c *cli.Context, log *app.Log, files []string) (string, error) {
	hc, err := hub.NewClient(hub.OptionsFrom(c))
	if err != nil {
		return "", err
	}
	var hf []hub.File
	for _, f := range files {
		name := filepath.Base(f)
		if len(files) == 1 {
			name = c.String("path-in-repo")
		}
		hf = append(hf, hub.File{PathInRepo: name, LocalPath: f})
	}
	repo := c.String("repo")
	sha, err := hc.Publish(c.Context, repo, c.Bool(hub.FlagPrivate), hf, "ff-submit commit: competition "+c.String("competition-id"))
	if err != nil {
		if c.Context.Err() != nil {
			return "", c.Context.Err()
		}
		return "", err
	}
	log.Infof("uploaded %d file(s) to %s at revision %s", len(hf), repo, sha)
	return sha, nil
}
