package metadata

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

func loadShared(t testing.TB, name string) *Metadata {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Shared(t), "subtensor", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestRealMetadata(t *testing.T) {
	for _, c := range []struct {
		file    string
		version int
	}{{"metadata-v14.scale", 14}, {"metadata-v15.scale", 15}, {"metadata-v16-devnet.scale", 16}} {
		t.Run(c.file, func(t *testing.T) {
			m := loadShared(t, c.file)
			if m.Version != c.version {
				t.Fatalf("version %d, want %d", m.Version, c.version)
			}
			for _, call := range [][2]string{{"Commitments", "set_commitment"}, {"SubtensorModule", "set_weights"}, {"SubtensorModule", "commit_weights"}, {"SubtensorModule", "reveal_weights"}} {
				if _, _, err := m.Call(call[0], call[1]); err != nil {
					t.Error(err)
				}
			}
			if _, _, err := m.Storage("Commitments", "CommitmentOf"); err != nil {
				t.Error(err)
			}
			if m.Extrinsic.CallType < 0 || m.Extrinsic.AddressType < 0 || m.Extrinsic.SignatureType < 0 {
				t.Errorf("extrinsic types not found: %+v", m.Extrinsic)
			}
			var ids []string
			for _, e := range m.Extrinsic.Extensions {
				ids = append(ids, e.Identifier)
			}
			t.Logf("%d types, %d pallets, extensions %v", m.Types.Len(), len(m.Pallets), ids)
		})
	}
}

// The devnet runtime's indices and extensions as REFERENCE.md lists them:
// resolved by name here, they must agree.
func TestDevnetIndices(t *testing.T) {
	m := loadShared(t, "metadata-v16-devnet.scale")
	for _, c := range []struct {
		pallet, call string
		pidx, cidx   uint8
		args         []string
	}{
		{"Commitments", "set_commitment", 18, 0, []string{"netuid", "info"}},
		{"SubtensorModule", "set_weights", 7, 0, []string{"netuid", "dests", "weights", "version_key"}},
		{"SubtensorModule", "commit_weights", 7, 96, []string{"netuid", "commit_hash"}},
		{"SubtensorModule", "reveal_weights", 7, 97, []string{"netuid", "uids", "values", "salt", "version_key"}},
	} {
		p, v, err := m.Call(c.pallet, c.call)
		if err != nil {
			t.Fatal(err)
		}
		if p.Index != c.pidx || v.Index != c.cidx {
			t.Errorf("%s.%s at %d/%d, want %d/%d", c.pallet, c.call, p.Index, v.Index, c.pidx, c.cidx)
		}
		var names []string
		for _, f := range v.Fields {
			names = append(names, f.Name)
		}
		if len(names) != len(c.args) {
			t.Errorf("%s args %v, want %v", c.call, names, c.args)
			continue
		}
		for i := range names {
			if names[i] != c.args[i] {
				t.Errorf("%s args %v, want %v", c.call, names, c.args)
			}
		}
	}
	want := []string{"CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis", "CheckMortality", "CheckNonce", "CheckWeight", "ChargeTransactionPayment", "SubtensorTransactionExtension", "DrandPriority", "CheckMetadataHash"}
	got := m.Extrinsic.Extensions
	if len(got) != len(want) {
		t.Fatalf("%d extensions, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Identifier != want[i] {
			t.Errorf("extension %d = %s, want %s", i, got[i].Identifier, want[i])
		}
	}
	e, err := m.ModuleErrorOf(18, 0)
	if err != nil || e.Pallet != "Commitments" {
		t.Fatalf("ModuleErrorOf(18,0) = %v, %v", e, err)
	}
}
