package dedup

import (
	"fmt"
	"io"
	"reflect"
	"slices"
)

// loadIndex reads the signature files of every shard of one run into an
// index. band selects which band keys to compute: one band (>= 0), all
// (-1) or none (-2). The files stay open as the fingerprint stores.
func loadIndex(paths []string, band int) (*Index, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no signature files")
	}
	var readers []*sigReader
	closeAll := func() {
		for _, r := range readers {
			r.f.Close()
		}
	}
	for _, p := range paths {
		r, err := openSig(p)
		if err != nil {
			closeAll()
			return nil, err
		}
		readers = append(readers, r)
	}
	h0 := readers[0].head
	seen := make([]bool, max(h0.Shards, 1))
	for i, r := range readers {
		h := r.head
		if h.Params != h0.Params || !slices.Equal(h.Inputs, h0.Inputs) || !reflect.DeepEqual(h.Datasets, h0.Datasets) || h.Shards != h0.Shards {
			closeAll()
			return nil, fmt.Errorf("%s: made with other settings or inputs than %s", paths[i], paths[0])
		}
		if h.Shard < 0 || h.Shard >= len(seen) || seen[h.Shard] {
			closeAll()
			return nil, fmt.Errorf("%s: shard %d/%d given twice or out of range", paths[i], h.Shard, h.Shards)
		}
		seen[h.Shard] = true
	}
	for s, ok := range seen {
		if !ok {
			closeAll()
			return nil, fmt.Errorf("shard %d/%d missing: give the signature files of every shard", s, len(seen))
		}
	}
	ix := &Index{Params: h0.Params, Files: h0.Inputs, Datasets: h0.Datasets}
	nb := h0.Bands
	var have []bool
	for si, r := range readers {
		ix.stores = append(ix.stores, r.f)
		for {
			id, row, keys, err := r.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				ix.Close()
				return nil, err
			}
			if id >= 1<<31 {
				ix.Close()
				return nil, fmt.Errorf("%s: row id %d beyond 2^31 rows", r.name, id)
			}
			if int(id) >= len(ix.Rows) {
				grow := int(id) + 1 - len(ix.Rows)
				ix.Rows = append(ix.Rows, make([]Row, grow)...)
				have = append(have, make([]bool, grow)...)
				if band != -2 {
					ix.Keys = append(ix.Keys, make([]uint64, grow*nb)...)
				}
			}
			if have[id] {
				ix.Close()
				return nil, fmt.Errorf("%s: row %d appears in two shards", r.name, id)
			}
			have[id] = true
			row.Set.Store = int32(si)
			ix.Rows[id] = row
			if row.Flags&(flagShort|flagNoText) == 0 {
				for b := 0; b < nb; b++ {
					if band == -1 || band == b {
						ix.Keys[int(id)*nb+b] = keys[b]
					}
				}
			}
		}
	}
	for id, ok := range have {
		if !ok {
			ix.Close()
			return nil, fmt.Errorf("row %d is in no shard: were the shards made from the same inputs?", id)
		}
	}
	return ix, nil
}

// Bucket files hold the candidate buckets of one band: a magic line, a JSON
// settings line, then per bucket its size and row ids (u32, little endian),
// ended by a size of 0xffffffff and the bucket count.
const bucketMagic = "ff-dedup buckets v1\n"

type bucketHeader struct {
	Params
	Band   int      `json:"band"`
	Total  int      `json:"rows_total"`
	Inputs []string `json:"inputs"`
}
