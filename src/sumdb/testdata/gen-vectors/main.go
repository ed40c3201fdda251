// Command gen writes src/sumdb/testdata/go-vectors.json from Go 1.19's x/mod sumdb packages.
// To run it: copy $GOROOT/src/cmd/vendor/golang.org/x/mod/{internal/lazyregexp,module,semver,sumdb} into a
// module named golang.org/x/mod (note.go imports crypto/ed25519 instead of x/crypto), require it here with a
// local replace, and run `GOPROXY=off go run . > ../go-vectors.json`.
package main

import (
	"encoding/json"
	"os"
)

func main() {
	out := map[string]any{"tlog": tlogVectors(), "note": noteVectors(), "client": clientVectors()}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	must(enc.Encode(out))
}
