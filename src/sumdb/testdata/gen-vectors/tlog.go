// Vectors for sumdb/tlog: hashes, stored-hash order, proofs, tiles, tree notes and records.
package main

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

type hashes []tlog.Hash

func (h hashes) ReadHashes(ix []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ix))
	for i, x := range ix {
		if x >= int64(len(h)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = h[x]
	}
	return out, nil
}

func strs(hs []tlog.Hash) []string {
	out := []string{}
	for _, h := range hs {
		out = append(out, h.String())
	}
	return out
}

func tileJSON(t tlog.Tile) map[string]any {
	return map[string]any{"h": t.H, "l": t.L, "n": t.N, "w": t.W, "path": t.Path()}
}

const logSize = 70

func tlogVectors() map[string]any {
	var st hashes
	var records []string
	for i := int64(0); i < logSize; i++ {
		rec := fmt.Sprintf("record %d\n", i)
		records = append(records, rec)
		x, err := tlog.StoredHashes(i, []byte(rec), st)
		must(err)
		st = append(st, x...)
	}
	var roots []string
	for n := int64(0); n <= logSize; n++ {
		h, err := tlog.TreeHash(n, st)
		must(err)
		roots = append(roots, h.String())
	}
	var idx []any
	for _, level := range []int{0, 1, 2, 3, 5, 8, 16} {
		for _, n := range []int64{0, 1, 2, 3, 7, 8, 1000, 65535, 1 << 20, 123456789, 1 << 40} {
			i := tlog.StoredHashIndex(level, n)
			l2, n2 := tlog.SplitStoredHashIndex(i)
			idx = append(idx, []any{level, n, i, l2, n2})
		}
	}
	var counts []any
	for _, n := range []int64{0, 1, 2, 3, 4, 5, 7, 8, 69, 70, 1000, 1 << 20, 123456789} {
		counts = append(counts, []any{n, tlog.StoredHashCount(n)})
	}
	var rproofs, tproofs []any
	for _, t := range []int64{1, 2, 3, 5, 8, 13, 64, 70} {
		for _, n := range []int64{0, 1, 2, 4, 7, 12, 31, 63, 69} {
			if n < t {
				p, err := tlog.ProveRecord(t, n, st)
				must(err)
				rproofs = append(rproofs, map[string]any{"t": t, "n": n, "proof": strs(p)})
			}
			if n >= 1 && n <= t {
				p, err := tlog.ProveTree(t, n, st)
				must(err)
				tproofs = append(tproofs, map[string]any{"t": t, "n": n, "proof": strs(p)})
			}
		}
	}
	var tfi []any
	for _, h := range []int{1, 2, 3, 8} {
		for _, x := range []int64{0, 1, 2, 3, 4, 5, 6, 7, 10, 17, 30, 64, 100, 137, 1000, 1 << 30, 1 << 40, 999999999999} {
			tfi = append(tfi, map[string]any{"h": h, "index": x, "tile": tileJSON(tlog.TileForIndex(h, x))})
		}
	}
	var nt []any
	for _, c := range [][3]int64{{2, 0, 1}, {2, 0, 70}, {2, 5, 70}, {2, 16, 17}, {3, 9, 65}, {8, 0, 300}, {8, 255, 257}, {8, 70000, 70300}, {1, 0, 9}} {
		var paths []string
		for _, t := range tlog.NewTiles(int(c[0]), c[1], c[2]) {
			paths = append(paths, t.Path())
		}
		nt = append(nt, map[string]any{"h": c[0], "old": c[1], "new": c[2], "paths": paths})
	}
	var td []any
	for _, h := range []int{2, 3, 8} {
		for _, t := range tlog.NewTiles(h, 0, logSize) {
			if h == 8 && t.W != 1 && t.W != 37 && t.W != 70 {
				continue
			}
			d, err := tlog.ReadTileData(t, st)
			must(err)
			td = append(td, map[string]any{"path": t.Path(), "data": d})
		}
	}
	return map[string]any{
		"records": records, "storedHashes": strs(st), "roots": roots, "storedHashIndex": idx,
		"storedHashCount": counts, "recordProofs": rproofs, "treeProofs": tproofs,
		"tileForIndex": tfi, "newTiles": nt, "tileData": td,
		"recordHashA": tlog.RecordHash([]byte("a\n")).String(),
		"tilePaths": tilePathCases(), "treeParse": treeParseCases(st), "recordParse": recordParseCases(),
		"tileReads": tileReadCases(st),
	}
}

func tilePathCases() []any {
	var out []any
	for _, p := range []string{
		"tile/8/0/x001/x234/067", "tile/8/data/005.p/3", "tile/8/0/005.p/256", "tile/8/0/005.p/0", "tile/8/0/005.p/255",
		"tile/08/0/000", "tile/8/-0/000", "tile/+8/0/000", "tile/31/0/000", "tile/30/0/000", "tile/0/0/000",
		"tile/8/0/x000/000", "tile/8/0/x001/000", "tile/8/0/001/000", "tile/8/0/000.p/1", "tile/1/0/000.p/1",
		"tile/1/0/000.p/2", "tile/8/-1/000", "tile/8/data/000", "tile/8/0/x1/000", "/tile/8/0/000", "tile/8/0",
		"tile/8/0/000/", "tile/8/1/1234", "tile/8/1/x001/x234/067.p/12", "tile/8/data/x999/999.p/1",
		"tile/8/0/000.p/01", "tile/8/0/000.p/+1", "tile/8/0/0000", "tile/8/0/00", "tile/8/2/x001/x000/x000/000",
		"tile/8/0/.p/5", "tile/8/data.p/5", "tiles/8/0/000", "tile/8/0/000.p", "tile/8/0/x001/x002/x003/x004/x005/006",
	} {
		t, err := tlog.ParseTilePath(p)
		if err != nil {
			out = append(out, map[string]any{"path": p, "err": err.Error()})
		} else {
			out = append(out, map[string]any{"path": p, "tile": tileJSON(t)})
		}
	}
	return out
}

func treeParseCases(st hashes) []any {
	h, _ := tlog.TreeHash(3, st)
	good := h.String()
	var out []any
	for _, text := range []string{
		"go.sum database tree\n3\n" + good + "\n",
		"go.sum database tree\n3\n" + good + "\nextra line\nmore\n",
		"go.sum database tree\n03\n" + good + "\n",
		"go.sum database tree\n-0\n" + good + "\n",
		"go.sum database tree\n+3\n" + good + "\n",
		"go.sum database tree\n0\n" + good + "\n",
		"go.sum database tree\n3\n" + good,
		"go.sum database tree\n3\nAAAA\n",
		"go.sum database tree\n3\n" + good[:43] + "\n",
		"go.sum database tree \n3\n" + good + "\n",
		"go.sum database tree\n9223372036854775808\n" + good + "\n",
		"go.sum database tree\n\n" + good + "\n",
	} {
		tr, err := tlog.ParseTree([]byte(text))
		if err != nil {
			out = append(out, map[string]any{"text": text, "err": err.Error()})
		} else {
			out = append(out, map[string]any{"text": text, "n": tr.N, "hash": tr.Hash.String()})
		}
	}
	return out
}

func recordParseCases() []any {
	var out []any
	for _, msg := range []string{
		"2\nc\n\nrest\n", "+2\nc\n\nrest", "02\nc\n\n", "x\nc\n\n", "2\nc\n", "2\nc\x01\n\n", "2\n\n\n",
		"2\na\nb\n\nnote\n\nmore\n", "2\nc", "\nc\n\n", "2\nc\xff\n\n", "2\nc\x7f\n\n",
	} {
		id, text, rest, err := tlog.ParseRecord([]byte(msg))
		if err != nil {
			out = append(out, map[string]any{"msg": []byte(msg), "err": err.Error()})
		} else {
			out = append(out, map[string]any{"msg": []byte(msg), "id": id, "text": text, "rest": rest})
		}
	}
	return out
}

type recordingTiles struct {
	h     int
	st    hashes
	reads []string
}

func (r *recordingTiles) Height() int { return r.h }
func (r *recordingTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	var out [][]byte
	for _, t := range tiles {
		r.reads = append(r.reads, t.Path())
		d, err := tlog.ReadTileData(t, r.st)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
func (r *recordingTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// tileReadCases records which tiles TileHashReader asks for, in order, and what it returns.
func tileReadCases(st hashes) []any {
	var out []any
	for _, c := range []struct {
		h int
		n int64
		ix []int64
	}{
		{2, 7, []int64{0}}, {2, 70, []int64{0}}, {2, 70, []int64{tlog.StoredHashIndex(0, 69)}},
		{2, 64, []int64{tlog.StoredHashIndex(0, 5), tlog.StoredHashIndex(0, 40)}}, {3, 70, []int64{tlog.StoredHashIndex(0, 17)}},
		{8, 70, []int64{tlog.StoredHashIndex(0, 17)}}, {1, 70, []int64{tlog.StoredHashIndex(0, 33), tlog.StoredHashIndex(2, 3)}},
		{2, 1, []int64{0}}, {2, 16, []int64{tlog.StoredHashIndex(0, 15), tlog.StoredHashIndex(4, 0)}},
	} {
		th, err := tlog.TreeHash(c.n, st)
		must(err)
		rt := &recordingTiles{h: c.h, st: st}
		got, err := tlog.TileHashReader(tlog.Tree{N: c.n, Hash: th}, rt).ReadHashes(c.ix)
		must(err)
		out = append(out, map[string]any{"h": c.h, "n": c.n, "indexes": c.ix, "reads": rt.reads, "hashes": strs(got)})
	}
	return out
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
