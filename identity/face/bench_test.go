package face_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/face"
)

// populate stores n subjects' templates of the 512-d model, sealed as
// Enroll seals them, through the store.
func populate(b *testing.B, e *env, n int) []float32 {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(5, 6))
	l := face.Link{ID: "fl_bench", SubjectID: "", Source: "ekyc_offline", NameMatch: true, DOBMatch: true, BirthYear: 1990, Gender: "F",
		Last4: "0000", CorrelationHash: "bench", PhotoHash: "p", CreatedAt: *e.clock}
	var probe []float32
	for i := range n {
		sub, _, err := e.rec.Subject(ctx, "bench", strconv.Itoa(i))
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			l.SubjectID = sub
			if err := e.st.CreateFaceLink(ctx, l); err != nil {
				b.Fatal(err)
			}
		}
		v := vector(r, 512)
		if i == 0 {
			probe = v
		}
		raw, _ := face.DecodeEmbedding(b64(v), 512)
		t := face.Template{ID: fmt.Sprintf("ft_%d", i), SubjectID: sub, Model: "w600k-mbf-512", Version: 1, Dimension: 512,
			FramesUsed: 1, LinkID: l.ID, Consent: face.Consent{Version: "v", TextURL: "u", SignatureB64: "cw=="}, EnrolledAt: *e.clock}
		if t.Sealed, err = e.dk.Seal(face.EncodeEmbedding(raw), fmt.Appendf(nil, "pramaan face template v1\x00%s\x00%s\x00%d", t.SubjectID, t.ID, t.Version)); err != nil {
			b.Fatal(err)
		}
		if err := e.st.PutFaceTemplate(ctx, t); err != nil {
			b.Fatal(err)
		}
	}
	return probe
}

// BenchmarkDuplicateScan is the duplicate search of one enrolment against
// n stored templates of a 512-d model (PRAMAAN_FACE_BENCH_N, default
// 100,000): read each current template from SQLite, open it (AES-256-GCM)
// and compute the cosine. It reports templates/s.
func BenchmarkDuplicateScan(b *testing.B) {
	n := 100_000
	if s := os.Getenv("PRAMAAN_FACE_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	e := newEnv(b)
	start := time.Now()
	probe := populate(b, e, n)
	b.Logf("stored %d templates in %s", n, time.Since(start).Round(time.Millisecond))
	vec, _ := face.DecodeEmbedding(b64(probe), 512)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		seen := 0
		err := e.st.EachCurrentFaceTemplate(ctx, "w600k-mbf-512", "none", func(t face.Template) error {
			v, err := e.svc.Open(t)
			if err != nil {
				return err
			}
			_ = face.Cosine(vec, v)
			seen++
			return nil
		})
		if err != nil || seen != n {
			b.Fatalf("%d of %d: %v", seen, n, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "templates/s")
}

// BenchmarkMatch is one 1:1 match: read the subject's current template,
// open it and compare.
func BenchmarkMatch(b *testing.B) {
	e := newEnv(b)
	probe := populate(b, e, 100)
	sub, _, _ := e.rec.Subject(context.Background(), "bench", "0")
	q := b64(probe)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := e.svc.Match(ctx, sub, "w600k-mbf-512", q); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkFloorCosine512 is the floor: the cosine of two 512-d vectors,
// and SHA-256 of a 2 KiB template as a stand-in for touching its bytes.
func BenchmarkFloorCosine512(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	x, y := vector(r, 512), vector(r, 512)
	buf := face.EncodeEmbedding(x)
	for b.Loop() {
		_ = face.Cosine(x, y)
		_ = sha256.Sum256(buf)
	}
}
