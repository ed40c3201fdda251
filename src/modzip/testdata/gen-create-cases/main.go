// Runs Go 1.19 zip.Create and dirhash.HashZip on each case of create-cases.json (stdin); writes create-go119.json.
// Build it as the protocol vectors are built (see ../../protocol/testdata/README.md).
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

type entry struct {
	Path    string `json:"path"`
	Kind    string `json:"kind"`
	Content string `json:"content"`
	Size    *int64 `json:"size"`
}

type file struct{ e entry }

func (f file) Path() string { return f.e.Path }
func (f file) Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader([]byte(f.e.Content))), nil
}
func (f file) Lstat() (os.FileInfo, error) { return info{f.e}, nil }

type info struct{ e entry }

func (i info) Name() string { return path.Base(i.e.Path) }
func (i info) Size() int64 {
	if i.e.Size != nil {
		return *i.e.Size
	}
	return int64(len(i.e.Content))
}
func (i info) Mode() fs.FileMode {
	switch i.e.Kind {
	case "symlink":
		return fs.ModeSymlink | 0777
	case "other":
		return fs.ModeNamedPipe | 0644
	}
	return 0644
}
func (i info) ModTime() time.Time { return time.Time{} }
func (i info) IsDir() bool        { return false }
func (i info) Sys() interface{}   { return nil }

type result struct {
	Valid   []string `json:"valid"`
	Omitted []string `json:"omitted"`
	Invalid []string `json:"invalid"`
	Err     *string  `json:"err"`
	H1      string   `json:"h1"`
}

func main() {
	var cases map[string][]entry
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	out := map[string]result{}
	for name, entries := range cases {
		var files []zip.File
		for _, e := range entries {
			files = append(files, file{e})
		}
		cf, _ := zip.CheckFiles(files)
		r := result{Valid: cf.Valid}
		for _, o := range cf.Omitted {
			r.Omitted = append(r.Omitted, o.Path)
		}
		for _, o := range cf.Invalid {
			r.Invalid = append(r.Invalid, o.Error())
		}
		tmp, _ := os.CreateTemp("", "z*.zip")
		err := zip.Create(tmp, module.Version{Path: "example.com/m", Version: "v1.0.0"}, files)
		tmp.Close()
		if err != nil {
			s := err.Error()
			r.Err = &s
		} else {
			r.H1, _ = dirhash.HashZip(tmp.Name(), dirhash.Hash1)
		}
		os.Remove(tmp.Name())
		out[name] = r
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	enc.Encode(out)
}
