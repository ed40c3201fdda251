// A differential oracle for `npm run fuzz -- --go`: answers questions with the real golang.org/x/mod (the copy
// vendored in the Go toolchain) and the standard library, one JSON request and one JSON answer per line.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

type request struct {
	Op string `json:"op"`
	A  string `json:"a"`
	B  string `json:"b"`
}

type answer struct {
	S   *string `json:"s,omitempty"`
	B   bool    `json:"b"`
	Err *string `json:"err,omitempty"`
}

func str(s string) *string { return &s }

func fromErr(err error) answer {
	if err == nil {
		return answer{}
	}
	return answer{Err: str(err.Error())}
}

func fromPair(s string, err error) answer {
	if err != nil {
		return fromErr(err)
	}
	return answer{S: &s}
}

func ask(r request) answer {
	switch r.Op {
	case "checkPath":
		return fromErr(module.CheckPath(r.A))
	case "checkImportPath":
		return fromErr(module.CheckImportPath(r.A))
	case "checkFilePath":
		return fromErr(module.CheckFilePath(r.A))
	case "check":
		return fromErr(module.Check(r.A, r.B))
	case "escapePath":
		return fromPair(module.EscapePath(r.A))
	case "escapeVersion":
		return fromPair(module.EscapeVersion(r.A))
	case "unescapePath":
		return fromPair(module.UnescapePath(r.A))
	case "unescapeVersion":
		return fromPair(module.UnescapeVersion(r.A))
	case "semverIsValid":
		return answer{B: semver.IsValid(r.A)}
	case "semverCanonical":
		return answer{S: str(semver.Canonical(r.A))}
	case "semverCompare":
		return answer{S: str(strconv.Itoa(semver.Compare(r.A, r.B)))}
	case "isPseudoVersion":
		return answer{B: module.IsPseudoVersion(r.A)}
	case "pseudoVersionBase":
		return fromPair(module.PseudoVersionBase(r.A))
	case "pseudoVersionRev":
		return fromPair(module.PseudoVersionRev(r.A))
	case "pseudoVersionTime":
		t, err := module.PseudoVersionTime(r.A)
		return fromPair(t.UTC().Format(time.RFC3339), err)
	case "pathMatch":
		ok, err := path.Match(r.A, r.B)
		a := fromErr(err)
		a.B = ok
		return a
	case "checkZip":
		// What go mod download does with a zip: x/mod/zip.CheckZip, then the h1 hash (dirhash.HashZip).
		at := strings.LastIndex(r.B, "@")
		if _, err := modzip.CheckZip(module.Version{Path: r.B[:at], Version: r.B[at+1:]}, r.A); err != nil {
			return fromErr(err)
		}
		return fromPair(dirhash.HashZip(r.A, dirhash.Hash1))
	case "letters":
		// The letters of A by Go's own Unicode tables, to tell Unicode-version differences from bugs.
		var letters []rune
		for _, c := range r.A {
			if unicode.IsLetter(c) {
				letters = append(letters, c)
			}
		}
		return answer{S: str(string(letters))}
	case "matchPrefixPatterns":
		return answer{B: module.MatchPrefixPatterns(r.A, r.B)}
	}
	return answer{Err: str("unknown op " + r.Op)}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			enc.Encode(answer{Err: str("bad request: " + err.Error())})
		} else {
			enc.Encode(ask(r))
		}
		out.Flush()
	}
}
