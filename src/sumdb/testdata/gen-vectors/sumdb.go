// Vectors for the sumdb client and server: responses, fetches and cache writes, and misbehaviour reports.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb"
)

func gosum(path, vers string) ([]byte, error) {
	h := func(s string) string { x := sha256.Sum256([]byte(s)); return base64.StdEncoding.EncodeToString(x[:]) }
	return []byte(fmt.Sprintf("%s %s h1:%s\n%s %s/go.mod h1:%s\n", path, vers, h(path+"@"+vers), path, vers, h(path+"@"+vers+"/go.mod"))), nil
}

func get(s *sumdb.TestServer, path string) (int, string) {
	w := httptest.NewRecorder()
	sumdb.NewServer(s).ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w.Code, w.Body.String()
}

type ops struct {
	remote  *sumdb.TestServer
	config  map[string][]byte
	cache   map[string][]byte
	reads   []string
	writes  []string
	secMsgs []string
}

func newOps() *ops {
	return &ops{config: map[string][]byte{"key": []byte(pnVerifier), "PeterNeumann/latest": nil}, cache: map[string][]byte{}}
}

func (o *ops) ReadRemote(path string) ([]byte, error) {
	o.reads = append(o.reads, path)
	code, body := get(o.remote, path)
	if code != 200 {
		return nil, fmt.Errorf("%d %s", code, body)
	}
	return []byte(body), nil
}
func (o *ops) ReadConfig(file string) ([]byte, error) { return o.config[file], nil }
func (o *ops) WriteConfig(file string, old, new []byte) error {
	if string(o.config[file]) != string(old) {
		return sumdb.ErrWriteConflict
	}
	o.config[file] = new
	return nil
}
func (o *ops) ReadCache(file string) ([]byte, error) {
	if d, ok := o.cache[file]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("no %s", file)
}
func (o *ops) WriteCache(file string, data []byte) { o.writes = append(o.writes, file); o.cache[file] = data }
func (o *ops) Log(msg string)                      {}
func (o *ops) SecurityError(msg string)            { o.secMsgs = append(o.secMsgs, msg) }

func (o *ops) take() (reads, writes []string) {
	reads, writes = o.reads, o.writes
	o.reads, o.writes = nil, nil
	sort.Strings(reads)
	sort.Strings(writes)
	return
}

func modPath(i int) string { return fmt.Sprintf("example.com/Mod%d", i) }

func newServer() *sumdb.TestServer { return sumdb.NewTestServer(pnSigner, gosum) }

func add(s *sumdb.TestServer, path, vers string) {
	if code, body := get(s, "/lookup/"+escape(path)+"@"+escape(vers)); code != 200 {
		panic(body)
	}
}

func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteString("!" + string(r+'a'-'A'))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

type step struct {
	path, vers string
	fresh      bool
}

func clientVectors() map[string]any {
	// Main scenario: a growing server, tile height 2.
	o := newOps()
	o.remote = newServer()
	c := sumdb.NewClient(o)
	c.SetTileHeight(2)
	var steps []step
	steps = append(steps, step{modPath(0), "v1.0.0", false}, step{modPath(0), "v1.0.0/go.mod", false})
	for i := 1; i < 10; i++ {
		steps = append(steps, step{modPath(i), "v1.0.0-RC1", false})
	}
	steps = append(steps, step{modPath(3), "v1.0.0-RC1/go.mod", false}, step{modPath(10), "v2.0.0+incompatible", true}, step{modPath(4), "v1.0.0-RC1", true})
	var out []any
	for _, s := range steps {
		if s.fresh {
			c = sumdb.NewClient(o)
			c.SetTileHeight(2)
		}
		lines, err := c.Lookup(s.path, s.vers)
		must(err)
		reads, writes := o.take()
		out = append(out, map[string]any{"path": s.path, "version": s.vers, "fresh": s.fresh, "lines": lines, "reads": reads, "writes": writes})
	}
	server := map[string]any{}
	var paths []string
	for i := 0; i <= 10; i++ {
		v := "v1.0.0-RC1"
		if i == 0 {
			v = "v1.0.0"
		}
		if i == 10 {
			v = "v2.0.0+incompatible"
		}
		paths = append(paths, "/lookup/"+escape(modPath(i))+"@"+escape(v))
	}
	paths = append(paths, "/latest", "/tile/2/0/000", "/tile/2/0/002.p/3", "/tile/2/1/000.p/2", "/tile/2/0/001",
		"/tile/8/0/000.p/11", "/tile/1/2/000", "/tile/1/0/002", "/tile/1/3/000.p/1")
	for _, p := range paths {
		code, body := get(o.remote, p)
		if code != 200 {
			panic(p)
		}
		server[p] = []byte(body)
	}
	return map[string]any{"steps": out, "latest": string(o.config["PeterNeumann/latest"]), "server": server,
		"fork": forkVector(), "rollback": rollbackVector()}
}

func forkVector() map[string]any {
	// A and B share a key and the first four records, then diverge.
	a, b := newServer(), newServer()
	for i := 0; i < 4; i++ {
		add(b, modPath(i), "v1.0.0")
	}
	for i := 4; i < 6; i++ {
		add(b, "example.com/other", fmt.Sprintf("v1.0.%d", i))
	}
	o := newOps()
	o.remote = a
	c := sumdb.NewClient(o)
	c.SetTileHeight(2)
	for i := 0; i < 5; i++ {
		_, err := c.Lookup(modPath(i), "v1.0.0")
		must(err)
	}
	o.remote = b
	_, err := c.Lookup("example.com/other", "v1.0.5")
	return map[string]any{"err": fmt.Sprint(err), "messages": o.secMsgs}
}

func rollbackVector() map[string]any {
	a, b := newServer(), newServer()
	add(b, modPath(0), "v1.0.0")
	add(b, modPath(1), "v1.0.0")
	add(b, "example.com/other", "v1.0.2")
	o := newOps()
	o.remote = a
	c := sumdb.NewClient(o)
	c.SetTileHeight(2)
	for i := 0; i < 5; i++ {
		_, err := c.Lookup(modPath(i), "v1.0.0")
		must(err)
	}
	o.remote = b
	c = sumdb.NewClient(o)
	c.SetTileHeight(2)
	_, err := c.Lookup("example.com/other", "v1.0.2")
	return map[string]any{"err": fmt.Sprint(err), "messages": o.secMsgs}
}
