package load

import (
	"math/rand/v2"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestBucketsAndQuantilesExact(t *testing.T) {
	r := &Result{}
	// Second 0: latencies 1..100 ms, all OK, zone-a; second 2: two failures; second 1 empty.
	for i := 100; i >= 1; i-- { // reversed: Buckets must sort by offset itself
		r.Records = append(r.Records, Record{Offset: ms(i * 9), Latency: ms(i), Code: 200, Zone: "zone-a"})
	}
	r.Records = append(r.Records,
		Record{Offset: ms(2100), Latency: ms(5), Code: 500, Zone: "zone-b"},
		Record{Offset: ms(2200), Latency: ms(7), Err: "connection refused"})
	b := r.Buckets(time.Second)
	if len(b) != 3 {
		t.Fatalf("%d buckets, want 3", len(b))
	}
	if b[0].Requests != 100 || b[0].Successes != 100 || b[0].P50 != ms(50) || b[0].P99 != ms(99) || b[0].Max != ms(100) {
		t.Errorf("bucket 0: %+v", b[0].Stats)
	}
	if b[0].ByZone["zone-a"] != 100 {
		t.Errorf("bucket 0 zones %v", b[0].ByZone)
	}
	if b[1].Requests != 0 || b[1].Start != time.Second {
		t.Errorf("bucket 1 should be empty: %+v", b[1])
	}
	if b[2].Requests != 2 || b[2].ErrorRate != 1 || b[2].ByZone != nil {
		t.Errorf("bucket 2: %+v", b[2].Stats)
	}
	if rate, n := r.ErrorRate(2*time.Second, 0); rate != 1 || n != 2 {
		t.Errorf("window error rate %v over %d", rate, n)
	}
	if rate, n := r.ErrorRate(0, time.Second); rate != 0 || n != 100 {
		t.Errorf("first second error rate %v over %d", rate, n)
	}
	s := r.Summary()
	if s.Requests != 102 || s.Successes != 100 {
		t.Errorf("summary %+v", s)
	}
	if share, n := r.ZoneShare("zone-a", 0, 0); share != 1 || n != 100 {
		t.Errorf("share %v over %d", share, n)
	}
}

func TestEmpty(t *testing.T) {
	r := &Result{}
	if b := r.Buckets(time.Second); b != nil {
		t.Errorf("buckets of nothing: %v", b)
	}
	if s := r.Summary(); s.Requests != 0 || s.P99 != 0 {
		t.Errorf("summary of nothing: %+v", s)
	}
	if rate, n := r.ErrorRate(0, 0); rate != 0 || n != 0 {
		t.Errorf("error rate of nothing: %v %d", rate, n)
	}
}

// BenchmarkBuckets aggregates 1M records (1,000 s at 1,000 requests/s, 3 zones) per second.
func BenchmarkBuckets(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1_000_000
	recs := make([]Record, n)
	zones := []string{"zone-a", "zone-b", "zone-c"}
	for i := range recs {
		recs[i] = Record{Offset: time.Duration(i) * time.Millisecond, Latency: time.Duration(rng.ExpFloat64() * 2e6),
			Code: 200, Zone: zones[i%3]}
	}
	r := &Result{Records: recs}
	b.ResetTimer()
	for b.Loop() {
		if got := r.Buckets(time.Second); len(got) != 1000 {
			b.Fatal(len(got))
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSummary is the whole-run aggregate over the same 1M records, the baseline that shows
// what cutting into buckets costs.
func BenchmarkSummary(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	recs := make([]Record, 1_000_000)
	for i := range recs {
		recs[i] = Record{Offset: time.Duration(i) * time.Millisecond, Latency: time.Duration(rng.ExpFloat64() * 2e6), Code: 200, Zone: "zone-a"}
	}
	r := &Result{Records: recs}
	b.ResetTimer()
	for b.Loop() {
		_ = r.Summary()
	}
	b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
