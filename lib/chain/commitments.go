package chain

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/flock-off/ff/lib/metadata"
)

// MaxCommitmentBytes is the most a Raw commitment field holds.
const MaxCommitmentBytes = 128

// MinRevisionLen is the shortest revision the reference validator accepts.
const MinRevisionLen = 7

// Commitment is a miner's "namespace:competition:revision" string, where
// namespace is the dataset repository (NAMESPACE/NAME).
type Commitment struct {
	Namespace   string `json:"namespace"`
	Competition string `json:"competition"`
	Revision    string `json:"revision"`
}

func (c Commitment) String() string { return c.Namespace + ":" + c.Competition + ":" + c.Revision }

// Validate checks a commitment before it is signed.
func (c Commitment) Validate() error {
	switch {
	case c.Namespace == "" || strings.Count(c.Namespace, "/") != 1 || strings.HasPrefix(c.Namespace, "/") || strings.HasSuffix(c.Namespace, "/"):
		return fmt.Errorf("repository %q: want NAMESPACE/NAME", c.Namespace)
	case c.Competition == "":
		return errors.New("empty competition id")
	case strings.Contains(c.Namespace+c.Competition+c.Revision, ":"):
		return errors.New("repository, competition id and revision must not contain ':'")
	case len(c.Revision) < MinRevisionLen:
		return fmt.Errorf("revision %q is shorter than %d characters (validators refuse it)", c.Revision, MinRevisionLen)
	}
	if n := len(c.String()); n > MaxCommitmentBytes {
		return fmt.Errorf("commitment is %d bytes; the chain holds at most %d", n, MaxCommitmentBytes)
	}
	return nil
}

// ParseCommitment splits a commitment string; an unset revision written
// "None" reads as "main", as the reference validator does.
func ParseCommitment(s string) (Commitment, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return Commitment{}, fmt.Errorf("want namespace:competition:revision, got %d part(s)", len(parts))
	}
	c := Commitment{Namespace: parts[0], Competition: parts[1], Revision: parts[2]}
	if c.Revision == "None" {
		c.Revision = "main"
	}
	if c.Namespace == "" || c.Competition == "" || c.Revision == "" {
		return c, errors.New("empty namespace, competition or revision")
	}
	return c, nil
}

// SetCommitmentCall is Commitments.set_commitment(netuid, {fields: [RawN(data)]}).
func SetCommitmentCall(m *metadata.Metadata, netuid uint16, data string) (*Call, error) {
	if len(data) > MaxCommitmentBytes {
		return nil, fmt.Errorf("commitment is %d bytes; the chain holds at most %d", len(data), MaxCommitmentBytes)
	}
	raw := metadata.VariantValue{Name: fmt.Sprintf("Raw%d", len(data)), Value: []byte(data)}
	c := &Call{Pallet: "Commitments", Name: "set_commitment", Args: metadata.Object{
		{Key: "netuid", Value: netuid},
		{Key: "info", Value: metadata.Object{{Key: "fields", Value: []any{raw}}}},
	}}
	if _, err := c.Encode(m); err != nil {
		return nil, err
	}
	return c, nil
}

// OnChainCommitment is what CommitmentOf holds for a hotkey.
type OnChainCommitment struct {
	Block uint64
	Raw   string
}

// RawOfInfo extracts the text of the Raw fields of a decoded CommitmentInfo.
func RawOfInfo(info any) (string, bool) {
	o, ok := info.(metadata.Object)
	if !ok {
		return "", false
	}
	fs, _ := o.Get("fields")
	list, _ := fs.([]any)
	var sb strings.Builder
	found := false
	for _, f := range list {
		fo, ok := f.(metadata.Object)
		if !ok || len(fo) != 1 || !strings.HasPrefix(fo[0].Key, "Raw") {
			continue
		}
		if b, ok := fo[0].Value.(metadata.Bytes); ok {
			sb.Write(b)
			found = true
		}
	}
	return sb.String(), found
}

// CommitmentOf reads a hotkey's commitment on netuid (nil when none).
func (c *Client) CommitmentOf(ctx context.Context, at *[32]byte, netuid uint16, hotkey [32]byte) (*OnChainCommitment, error) {
	v, ok, err := c.Query(ctx, at, "Commitments", "CommitmentOf", netuid, hotkey[:])
	if err != nil || !ok {
		return nil, err
	}
	return registration(v)
}

// CommitmentsOf reads the commitments of many hotkeys at one block in
// batches (nil entries where a hotkey has none).
func (c *Client) CommitmentsOf(ctx context.Context, at *[32]byte, netuid uint16, hotkeys [][32]byte) ([]*OnChainCommitment, error) {
	ks := make([][]byte, len(hotkeys))
	for i, h := range hotkeys {
		k, err := StorageKey(c.Meta, "Commitments", "CommitmentOf", netuid, h[:])
		if err != nil {
			return nil, err
		}
		ks[i] = k
	}
	vals, err := c.RawStorageMany(ctx, ks, at)
	if err != nil {
		return nil, err
	}
	out := make([]*OnChainCommitment, len(hotkeys))
	for i, k := range ks {
		raw, ok := vals[strings.ToLower(Hex(k))]
		if !ok {
			continue
		}
		v, _, err := DecodeStorage(c.Meta, "Commitments", "CommitmentOf", raw, true)
		if err != nil {
			return nil, err
		}
		if out[i], err = registration(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func registration(v any) (*OnChainCommitment, error) {
	reg, ok := v.(metadata.Object)
	if !ok {
		return nil, errors.New("CommitmentOf: unexpected value shape")
	}
	blk, _ := reg.Get("block")
	info, _ := reg.Get("info")
	out := &OnChainCommitment{}
	out.Block, _ = Uint(blk)
	out.Raw, _ = RawOfInfo(info)
	return out, nil
}
