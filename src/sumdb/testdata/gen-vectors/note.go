// Vectors for sumdb/note: keys, signing, and how Open treats well-formed and malformed notes.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

const (
	pnSigner   = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
	pnVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
)

// detReader is a deterministic byte stream (SHA-256 in counter mode) so generated keys are reproducible.
type detReader struct {
	seed string
	ctr  int
	buf  []byte
}

func (r *detReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) {
		s := sha256.Sum256([]byte(r.seed + string(rune('a'+r.ctr))))
		r.ctr++
		r.buf = append(r.buf, s[:]...)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func noteVectors() map[string]any {
	s2, v2, err := note.GenerateKey(&detReader{seed: "second"}, "example.com/second")
	must(err)
	pnS, _ := note.NewSigner(pnSigner)
	pnV, _ := note.NewVerifier(pnVerifier)
	k2S, _ := note.NewSigner(s2)
	k2V, _ := note.NewVerifier(v2)

	sign := func(text string, signers ...note.Signer) string {
		msg, err := note.Sign(&note.Note{Text: text}, signers...)
		must(err)
		return string(msg)
	}
	text := "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
	pn := sign(text, pnS)
	both := sign(text, pnS, k2S)
	k2 := sign(text, k2S)
	pnLine := pn[len(text)+1:]
	k2Line := k2[len(text)+1:]
	unknown := "— unknown.example AAAAAAAAAAAAAAAAAAAAAAAA\n"
	var many strings.Builder
	for i := 0; i < 100; i++ {
		many.WriteString(unknown[:len(unknown)-3] + base64.StdEncoding.EncodeToString([]byte{byte(i), 1, 2, 3, 4, 5})[:2] + "\n")
	}
	rawSig, _ := base64.StdEncoding.DecodeString(strings.Fields(pnLine)[2])
	short := "— PeterNeumann " + base64.StdEncoding.EncodeToString(rawSig[:67]) + "\n"
	flipped := append([]byte{}, rawSig...)
	flipped[10] ^= 1
	flip := "— PeterNeumann " + base64.StdEncoding.EncodeToString(flipped) + "\n"

	type vcase struct {
		name string
		msg  string
		vs   []string
	}
	P, K, PK := []string{pnVerifier}, []string{v2}, []string{pnVerifier, v2}
	cases := []vcase{
		{"pn", pn, P}, {"both-pn", both, P}, {"both-pk", both, PK}, {"both-k", both, K}, {"k2-only-pn", k2, P},
		{"tampered", strings.Replace(pn, "cryptography", "cryptographY", 1), P},
		{"flipped-sig", text + "\n" + flip, P}, {"short-sig", text + "\n" + short, P},
		{"no-blank", text + pnLine, P}, {"no-trailing-nl", pn[:len(pn)-1], P},
		{"ascii-dash", text + "\n" + strings.Replace(pnLine, "—", "--", 1), P},
		{"dash-no-space", text + "\n" + strings.Replace(pnLine, "— ", "—", 1), P},
		{"dup-known", pn + pnLine, P}, {"dup-unknown", pn + unknown + unknown, P},
		{"100-sigs", text + "\n" + many.String()[:len(many.String())-len(unknown)] + pnLine, P},
		{"101-sigs", text + "\n" + many.String() + pnLine, P},
		{"tab-in-text", "a\tb\n\n" + pnLine, P}, {"cr-in-text", "a\rb\n\n" + pnLine, P},
		{"bad-utf8", "a\xffb\n\n" + pnLine, P}, {"del-ok", sign("a\x7fb\n", pnS), P},
		{"blank-inside", sign("a\n\nb\n", pnS), P}, {"name-plus", text + "\n— Peter+Neumann AAAAAAAA\n", P},
		{"empty-b64", text + "\n— PeterNeumann \n", P}, {"no-space", text + "\n— PeterNeumann\n", P},
		{"unpadded", text + "\n" + strings.TrimRight(pnLine[:len(pnLine)-1], "=") + "\n", P},
		{"four-bytes", text + "\n— PeterNeumann w08gow==\n", P}, {"ambiguous", pn, []string{pnVerifier, pnVerifier}},
		{"empty-sigs", text + "\n", P}, {"only-blank", "\n\n" + pnLine, P}, {"unknown-first", text + "\n" + unknown + pnLine, P},
		{"k2-then-pn", text + "\n" + k2Line + pnLine, PK}, {"bom-text", sign("\ufeffx\n", pnS), P},
	}
	var opens []any
	for _, c := range cases {
		var vs []note.Verifier
		for _, k := range c.vs {
			v, err := note.NewVerifier(k)
			must(err)
			vs = append(vs, v)
		}
		n, err := note.Open([]byte(c.msg), note.VerifierList(vs...))
		r := map[string]any{"name": c.name, "msg": []byte(c.msg), "verifiers": c.vs}
		if err != nil {
			r["err"] = err.Error()
		} else {
			r["text"], r["sigs"], r["unverified"] = n.Text, n.Sigs, n.UnverifiedSigs
		}
		opens = append(opens, r)
	}
	// Re-signing a note keeps its other signatures first, as note.Sign does.
	opened, err := note.Open([]byte(both), note.VerifierList(pnV, k2V))
	must(err)
	resigned, err := note.Sign(opened, pnS)
	must(err)

	var vkeys, skeys []any
	for _, k := range []string{pnVerifier, "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
		"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBf\nsVkmqq/LDE4izWy10TW",
		"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		"PeterNeumann", "PeterNeumann+c74f20a3", "PeterNeumann+c74f20a3+", v2, keyWith("x", 2, 32), keyWith("x", 1, 31), keyWith("a b", 1, 32),
		keyWith("a\u00a0b", 1, 32), keyWith("a\ufeffb", 1, 32), keyWith("x", 1, 33),
	} {
		_, err := note.NewVerifier(k)
		r := map[string]any{"key": k, "ok": err == nil}
		if err != nil {
			r["err"] = err.Error()
		}
		vkeys = append(vkeys, r)
	}
	for _, k := range []string{pnSigner, s2, "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		"PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", "PRIVATE+KEYS+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD=", pnVerifier} {
		_, err := note.NewSigner(k)
		r := map[string]any{"key": k, "ok": err == nil}
		if err != nil {
			r["err"] = err.Error()
		}
		skeys = append(skeys, r)
	}
	return map[string]any{
		"signer2": s2, "verifier2": v2, "text": text, "signedPN": pn, "signedBoth": both, "resigned": string(resigned),
		"open": opens, "verifierKeys": vkeys, "signerKeys": skeys,
	}
}

// keyWith builds a verifier key with a correct hash for any name, algorithm byte and key length.
func keyWith(name string, alg byte, n int) string {
	key := append([]byte{alg}, make([]byte, n)...)
	for i := range key[1:] {
		key[1+i] = byte(i * 7)
	}
	h := sha256.Sum256(append([]byte(name+"\n"), key...))
	return name + "+" + strings.ToLower(hex8(h[:4])) + "+" + base64.StdEncoding.EncodeToString(key)
}

func hex8(b []byte) string {
	const d = "0123456789abcdef"
	var s []byte
	for _, c := range b {
		s = append(s, d[c>>4], d[c&15])
	}
	return string(s)
}
