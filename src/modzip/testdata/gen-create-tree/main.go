// Builds the tree of create-tree.json (stdin) and prints the h1 of Go 1.19 zip.CreateFromDir over it (goH1).
// Build it as the protocol vectors are built (see ../../protocol/testdata/README.md).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

func main() {
	var tree struct {
		Files    map[string]string
		Symlinks map[string]string
	}
	if err := json.NewDecoder(os.Stdin).Decode(&tree); err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "tree")
	defer os.RemoveAll(dir)
	for p, c := range tree.Files {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0777)
		os.WriteFile(full, []byte(c), 0644)
	}
	for p, target := range tree.Symlinks {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0777)
		if err := os.Symlink(target, full); err != nil {
			panic(err)
		}
	}
	out, _ := os.CreateTemp("", "z*.zip")
	if err := zip.CreateFromDir(out, module.Version{Path: "example.com/m", Version: "v1.0.0"}, dir); err != nil {
		panic(err)
	}
	out.Close()
	defer os.Remove(out.Name())
	h, err := dirhash.HashZip(out.Name(), dirhash.Hash1)
	if err != nil {
		panic(err)
	}
	fmt.Println(h)
}
