// Generates xmod-vectors.json from the real golang.org/x/mod of Go 1.19, for the protocol unit tests.
// Run from a scratch module that replaces golang.org/x/mod with a copy of
// /usr/lib/go-1.19/src/cmd/vendor/golang.org/x/mod (see ../README.md).
package main

import (
	"encoding/json"
	"os"
	"path"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

func errText(err error) *string {
	if err == nil {
		return nil
	}
	s := err.Error()
	return &s
}

var versions = []string{
	"", "v", "1.0.0", "v0", "v1", "v01", "v1.0", "v1.2", "v1.02", "v1.2.3", "v1.2.03", "v1.2.3-pre", "v1.2.3-pre+meta",
	"v1.2.3+meta", "v1.2.3+meta-pre", "v1.2.3+meta-pre.sha.256a", "v1.2-pre", "v1.2+meta", "v1-pre", "v1+meta",
	"v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta", "v1.0.0-beta.2", "v1.0.0-beta.11",
	"v1.0.0-rc.1", "v1.0.0", "v1.0.0-01", "v1.0.0-0", "v1.0.0-0a", "v1.0.0-a..b", "v1.0.0-.a", "v1.0.0-a.", "v1.0.0+",
	"v1.0.0-", "v1.0.0+a..b", "v1.0.0+01", "v1.0.0-x_y", "v1.0.0-x.7.z.92", "v2.0.0", "v2.0.0+incompatible",
	"v2.0.0-20191109021931-daa7c04131f5", "v10.0.0", "v9.99.99", "v1.10.0", "v1.9.0", "v1.2.3.4", "V1.2.3", "v1.2.3 ",
	"v18446744073709551616.0.0", "v1.0.0-1", "v1.0.0-2", "v1.0.0-10", "v1.0.0-a-b", "v1.0.0-A", "v1.0.0-a", "vé",
	"v0.0.0-00010101000000-000000000000", "v1.2.3-0.20191109021931-daa7c04131f5", "bad", "v1.0.0-αβ",
}

var paths = []string{
	"", "/", "a", "example.com", "example.com/", "example.com//x", "example.com/x", "-example.com/x", "example.com/-x",
	"example.com/x-", "Example.com/x", "example.com/X", "localhost/x", "localhost", "example.com/.foo", "example.com/foo.",
	"example.com/..", "example.com/.", "example.com/a/./b", "example.com/foo~1", "example.com/foo~1.bar", "example.com/foo.bar~1",
	"example.com/foo~", "example.com/foo~x1", "example.com/aux", "example.com/AUX.go", "example.com/aux1", "example.com/com1.txt",
	"example.com/Nul", "example.com/lpt9x", "example.com/a+b", "example.com/a b", "example.com/a@b", "example.com/a!b",
	"example.com/é", "example.com/a_b~c", "example.com/foo/v1", "example.com/foo/v2", "example.com/foo/v02", "example.com/foo/v2.0",
	"example.com/foo/v0", "example.com/foo/v10", "example.com/foo/v2/x", "example.com/v2", "example.com/foo/vx", "example.com/foo/2",
	"gopkg.in/yaml.v2", "gopkg.in/yaml.v0", "gopkg.in/yaml.v00", "gopkg.in/yaml.v01", "gopkg.in/yaml.v2-unstable",
	"gopkg.in/yaml", "gopkg.in/yaml.v2/x", "gopkg.in/user/pkg.v3", "gopkg.in/v2", "gopkg.in/.v2", "github.com/Azure/azure-sdk-for-go",
	"github.com/BurntSushi/toml", "github.com/a/b/c/d", "git_hub.com/x", "exa~mple.com/x", "ex-ample.com/x", "-.com",
	"example.com/x/a:b", "example.com/x?", "example.com/x#y", "example.com/x$y", "example.com/%", "example.com/x\x00",
	"example.com/日本", "example.com/a\u0301", "example.com/😀", "example.com/x.", "example.com/...", "a.b/c/d/e",
	"example.com/ñ", "example.com/{x}", "example.com/x,y", "example.com/[x]", "x.y/z (1)", "example.com/x\ty",
	"example.com/-", "example.com/~", "example.com/.git", "example.com/a.b.c", "example.com/v2.0.0", "1.2.3.4/x",
	"example.com:8080/x", "example.com/CON", "example.com/con.txt.go", "example.com/x/com0", "example.com/x/LPT1~2",
}

var escVersions = []string{
	"v1.0.0", "v1.0.0-RC1", "v1.0.0-rc1", "master", "feature/x", "Feature", "a!b", "", "..", ".", "v1.0.0+incompatible",
	"ab.", "aux", "é", "v1 2", "latest", "HEAD", "v1.2.3-Pre.ABC", "x~1",
}

var escaped = []string{
	"github.com/!azure/azure-sdk-for-go", "github.com/Azure/x", "github.com/!!x", "github.com/!", "github.com/!1",
	"github.com/!burnt!sushi/toml", "github.com/é", "!example.com/x", "example.com/x!", "v1.0.0-!r!c1", "v1.0.0-RC1",
	"example.com/!x~1", "example.com/x", "example.com//x", "localhost/x", "v1.0.0", "a/b", "!a!u!x", "aux", "", "!",
	"feature!", "v1.0.0-!r!", "example.com/!aa!b", "example.com/v1", ".", "..",
}

type checkCase struct{ Path, Version string }

var checks = []checkCase{
	{"example.com/m", "v1.0.0"}, {"example.com/m", "v0.1.0"}, {"example.com/m", "v2.0.0"}, {"example.com/m", "v2.0.0+incompatible"},
	{"example.com/m/v2", "v2.0.0"}, {"example.com/m/v2", "v3.0.0"}, {"example.com/m/v2", "v2.0.0+incompatible"},
	{"example.com/m/v2", "v1.0.0"}, {"example.com/m", "v1.0"}, {"example.com/m", "1.0.0"}, {"example.com/m", ""},
	{"gopkg.in/yaml.v1", "v0.0.0-20161208181325-20d25e280405"}, {"gopkg.in/yaml.v1", "v1.0.0"}, {"gopkg.in/yaml.v2", "v1.0.0"},
	{"gopkg.in/yaml.v2", "v2.4.0"}, {"gopkg.in/yaml.v2-unstable", "v2.0.0"}, {"gopkg.in/yaml.v0", "v0.1.0"},
	{"gopkg.in/yaml.v2", "v0.0.0-20161208181325-20d25e280405"}, {"localhost/m", "v1.0.0"}, {"example.com/m/v1", "v1.0.0"},
	{"example.com/m", "v1.0.0+meta"}, {"example.com/m/v3", "v3.1.0-pre"}, {"example.com/m", "v3.0.0+incompatible.x"},
	{"example.com/m", "v0.0.0-20191109021931-daa7c04131f5"}, {"example.com/m/v2", "v2.0.0-20191109021931-daa7c04131f5"},
	{"example.com/m/v2", "v0.0.0-20191109021931-daa7c04131f5"},
}

var pathMajors = []string{"", "/v2", "/v3", ".v1", ".v2", ".v0", ".v2-unstable", ".v1-unstable", "v2"}

var pseudos = []string{
	"v0.0.0-20191109021931-daa7c04131f5", "v1.3.2-0.20191109021931-daa7c04131f5", "v1.3.1-pre.0.20191109021931-daa7c04131f5",
	"v2.0.10-0.20191109021931-daa7c04131f5+incompatible", "v1.2.3-pre.20191109021931-daa7c04131f5", "v1.2.0-0.20191109021931-daa7c04131f5",
	"v1.0.0-20191109021931-daa7c04131f5", "v2.0.0-20191109021931-daa7c04131f5+incompatible", "v1.2.3", "v1.2.3-0.2019110902193-daa7c04131f5",
	"v1.2.3-0.20191109021931-", "v1.2.10-0.20191109021931-daa7c04131f5", "v1.2.100-0.20191109021931-abc", "v1.2.3-0.20191399021931-abcdef",
	"v0.0.0-00010101000000-000000000000", "v1.2.3-rc.1.0.20191109021931-daa7c04131f5", "v1.2.3-0.20191109021931-daa7c04131f5+meta",
	"v1.2.3-a.0.20191109021931-daa7c04131f5+incompatible", "v1.2.3-0.20191109021931-daa7c04131f5x", "v1.2.3-0.20191109021931-daa_7c04",
	"v0.0.0-20191109021931-daa7c04131f5+incompatible", "v1.2.3-pre.0.20191109021931.0.20191109021931-aaaa", "v1.2.3-0.20190230000000-aaaa",
	"v1.2.3-0.20191109241931-aaaa", "v1.0.1-0.20191109021931-daa7c04131f5", "v1.0.10-0.20191109021931-daa7c04131f5",
	"v1.0.100-0.20191109021931-daa7c04131f5", "v0.0.0-20191109021931-0000000000000000000000000000000000000000",
}

type pseudoGen struct{ Major, Older, Rev string }

var pseudoGens = []pseudoGen{
	{"", "", "daa7c04131f5"}, {"v0", "", "daa7c04131f5"}, {"v2", "", "daa7c04131f5"}, {"", "v1.3.1", "daa7c04131f5"},
	{"", "v1.3.1-pre", "daa7c04131f5"}, {"", "v1.2.9", "daa7c04131f5"}, {"v2", "v2.0.9+incompatible", "daa7c04131f5"},
	{"", "v1.2.99", "abc"}, {"", "v1.2", "abc"}, {"", "v1.2.3+meta", "abc"}, {"", "v1.2.3-rc.1+meta", "abc"}, {"", "bad", "abc"},
	{"", "v1.2.999", "000000000042"},
}

type globCase struct{ Globs, Target string }

var globs = []globCase{
	{"*.corp.example.com", "git.corp.example.com/a/b"}, {"*.corp.example.com", "corp.example.com/a"},
	{"rsc.io/private", "rsc.io/private/quux"}, {"rsc.io/private", "rsc.io/privatex"}, {"rsc.io/private/", "rsc.io/private"},
	{"rsc.io/private,", "rsc.io/private"}, {",,rsc.io/*", "rsc.io/x/y"}, {"rsc.io/*", "rsc.io"}, {"*", "anything/at/all"},
	{"*/*", "a"}, {"*/*", "a/b/c"}, {"", "a"}, {"/", "a"}, {"github.com/[abc]*", "github.com/bob/x"},
	{"github.com/[^abc]*", "github.com/bob/x"}, {"github.com/[a-", "github.com/a"}, {"github.com/[", "github.com/x"},
	{"github.com/\\*", "github.com/*"}, {"github.com/x\\", "github.com/x"}, {"example.com/?", "example.com/é"},
	{"example.com/??", "example.com/é"}, {"example.com/*??", "example.com/€"}, {"example.com/[é]", "example.com/é"},
	{"example.com/[a-z]", "example.com/m"}, {"example.com/[]a]", "example.com/a"}, {"example.com/[a-]", "example.com/a"},
	{"bad[,example.com", "example.com/x"}, {"a*b*c", "aXbYc"}, {"a*b*c", "aXbYcZ"}, {"a*", "ab/c"}, {"*c", "ab/c"},
	{"a/*/c", "a/b/c/d"}, {"a/**/c", "a/b/c"}, {"[!a]", "b"}, {"[^a-c]x", "dx"}, {"a?c", "a/c"}, {"*x*", "yyxyy"},
	{"*x*", "yyyy"}, {"a[", "b"}, {"*a[", "zzz"}, {"*.example.com,rsc.io", "rsc.io/x"}, {"Example.com", "example.com"},
	{"a\\", "a"}, {"[\\]]", "]"}, {"[\\-]", "-"}, {"[x-]", "x"}, {"[-x]", "x"}, {"[x", "x"}, {"x]", "x]"}, {"*]", "a]"},
	{"**", "abc"}, {"a**b", "axyb"}, {"[a-c-e]", "d"},
}

type matchCase struct{ Pattern, Name string }

var matches = []matchCase{
	{"abc", "abc"}, {"*", "abc"}, {"*c", "abc"}, {"a*", "a"}, {"a*", "abc"}, {"a*", "ab/c"}, {"a*/b", "abc/b"},
	{"a*/b", "a/c/b"}, {"a*b*c*d*e*/f", "axbxcxdxe/f"}, {"a*b*c*d*e*/f", "axbxcxdxexxx/f"}, {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f"},
	{"a*b*c*d*e*/f", "axbxcxdxexxx/fff"}, {"a*b?c*x", "abxbbxdbxebxczzx"}, {"a*b?c*x", "abxbbxdbxebxczzy"},
	{"ab[c]", "abc"}, {"ab[b-d]", "abc"}, {"ab[e-g]", "abc"}, {"ab[^c]", "abc"}, {"ab[^b-d]", "abc"}, {"ab[^e-g]", "abc"},
	{"a\\*b", "a*b"}, {"a\\*b", "ab"}, {"a?b", "a☺b"}, {"a[^a]b", "a☺b"}, {"a???b", "a☺b"}, {"a[^a][^a][^a]b", "a☺b"},
	{"[a-ζ]*", "α"}, {"*[a-ζ]", "A"}, {"a?b", "a/b"}, {"a*b", "a/b"}, {"[\\]a]", "]"}, {"[\\-]", "-"}, {"[x\\-]", "x"},
	{"[x\\-]", "-"}, {"[x\\-]", "z"}, {"[\\-x]", "x"}, {"[\\-x]", "-"}, {"[\\-x]", "a"}, {"[]a]", "]"}, {"[-]", "-"},
	{"[x-]", "x"}, {"[x-]", "-"}, {"[x-]", "z"}, {"[-x]", "x"}, {"[-x]", "-"}, {"[-x]", "a"}, {"\\", "a"}, {"[a-b-c]", "a"},
	{"[", "a"}, {"[^", "a"}, {"[^bc", "a"}, {"a[", "a"}, {"a[", "ab"}, {"a[", "x"}, {"a/b[", "x"}, {"*x", "xxx"},
	{"*??", "€"}, {"*??", "é"}, {"*???", "€"}, {"*[^a][^a]", "€"}, {"", ""}, {"", "a"}, {"*", ""}, {"*/", "a/"},
}

var quoteInputs = []string{
	"example.com/m", "example.com/a b", "example.com/\"x\"", "a'b", "a`b", "(", "()", "example.com/(x)", "x,y", ",",
	"a//b", "a/*b", "", "x\ty", "x\u00a0y", "é", "\u200b", "\x7f", "日本", "a\\b", "\U0001F600", "\U000E0001", "\u0301",
}

func main() {
	out := map[string]interface{}{}

	sv := []map[string]interface{}{}
	for _, v := range versions {
		sv = append(sv, map[string]interface{}{
			"v": v, "isValid": semver.IsValid(v), "canonical": semver.Canonical(v), "major": semver.Major(v),
			"majorMinor": semver.MajorMinor(v), "prerelease": semver.Prerelease(v), "build": semver.Build(v),
			"moduleCanonical": module.CanonicalVersion(v),
		})
	}
	out["semver"] = sv
	cmp := [][]int{}
	mx := [][]string{}
	for _, a := range versions {
		row := []int{}
		mrow := []string{}
		for _, b := range versions {
			row = append(row, semver.Compare(a, b))
			mrow = append(mrow, semver.Max(a, b))
		}
		cmp = append(cmp, row)
		mx = append(mx, mrow)
	}
	out["compare"] = cmp
	out["max"] = mx
	sorted := append([]string(nil), versions...)
	for i, j := 0, len(sorted)-1; i < j; i, j = i+1, j-1 {
		sorted[i], sorted[j] = sorted[j], sorted[i]
	}
	semver.Sort(sorted)
	out["sorted"] = sorted

	pp := []map[string]interface{}{}
	for _, p := range paths {
		prefix, pathMajor, ok := module.SplitPathVersion(p)
		esc, escErr := module.EscapePath(p)
		pp = append(pp, map[string]interface{}{
			"path": p, "checkPath": errText(module.CheckPath(p)), "checkImportPath": errText(module.CheckImportPath(p)),
			"checkFilePath": errText(module.CheckFilePath(p)), "split": []interface{}{prefix, pathMajor, ok},
			"escapePath": esc, "escapePathErr": errText(escErr),
		})
	}
	out["paths"] = pp

	ev := []map[string]interface{}{}
	for _, v := range escVersions {
		esc, err := module.EscapeVersion(v)
		ev = append(ev, map[string]interface{}{"v": v, "escaped": esc, "err": errText(err)})
	}
	out["escapeVersion"] = ev

	un := []map[string]interface{}{}
	for _, e := range escaped {
		p, perr := module.UnescapePath(e)
		v, verr := module.UnescapeVersion(e)
		un = append(un, map[string]interface{}{"escaped": e, "path": p, "pathErr": errText(perr), "version": v, "versionErr": errText(verr)})
	}
	out["unescape"] = un

	ck := []map[string]interface{}{}
	for _, c := range checks {
		ck = append(ck, map[string]interface{}{"path": c.Path, "version": c.Version, "err": errText(module.Check(c.Path, c.Version))})
	}
	out["check"] = ck

	pm := []map[string]interface{}{}
	for _, v := range versions {
		for _, m := range pathMajors {
			pm = append(pm, map[string]interface{}{"v": v, "pathMajor": m, "err": errText(module.CheckPathMajor(v, m))})
		}
	}
	out["checkPathMajor"] = pm

	ps := []map[string]interface{}{}
	for _, v := range append(append([]string(nil), pseudos...), versions...) {
		base, baseErr := module.PseudoVersionBase(v)
		t, tErr := module.PseudoVersionTime(v)
		rev, revErr := module.PseudoVersionRev(v)
		ts := ""
		if tErr == nil {
			ts = t.UTC().Format(time.RFC3339)
		}
		ps = append(ps, map[string]interface{}{
			"v": v, "isPseudo": module.IsPseudoVersion(v), "base": base, "baseErr": errText(baseErr),
			"time": ts, "timeErr": errText(tErr), "rev": rev, "revErr": errText(revErr),
		})
	}
	out["pseudo"] = ps

	when := time.Date(2019, 11, 9, 2, 19, 31, 0, time.UTC)
	pg := []map[string]interface{}{}
	for _, g := range pseudoGens {
		pg = append(pg, map[string]interface{}{"major": g.Major, "older": g.Older, "rev": g.Rev,
			"time": when.Format(time.RFC3339), "result": module.PseudoVersion(g.Major, g.Older, when, g.Rev)})
	}
	out["pseudoGen"] = pg
	out["zeroPseudo"] = map[string]string{"": module.ZeroPseudoVersion(""), "v0": module.ZeroPseudoVersion("v0"), "v2": module.ZeroPseudoVersion("v2")}

	gl := []map[string]interface{}{}
	for _, g := range globs {
		gl = append(gl, map[string]interface{}{"globs": g.Globs, "target": g.Target, "match": module.MatchPrefixPatterns(g.Globs, g.Target)})
	}
	out["globs"] = gl

	pmatch := []map[string]interface{}{}
	for _, m := range matches {
		ok, err := path.Match(m.Pattern, m.Name)
		pmatch = append(pmatch, map[string]interface{}{"pattern": m.Pattern, "name": m.Name, "match": ok, "bad": err != nil})
	}
	out["pathMatch"] = pmatch

	q := []map[string]interface{}{}
	for _, s := range quoteInputs {
		q = append(q, map[string]interface{}{"s": s, "autoQuote": modfile.AutoQuote(s), "goMod": "module " + modfile.AutoQuote(s) + "\n"})
	}
	out["autoQuote"] = q

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
