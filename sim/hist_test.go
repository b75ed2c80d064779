package sim

import (
	"math"
	"testing"
)

func TestHistQuantileError(t *testing.T) {
	var h Hist
	for v := int64(1); v <= 100000; v++ {
		h.Add(v*1000, 1)
	}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		want := q * 1e8
		got := float64(h.Quantile(q))
		if math.Abs(got-want)/want > 0.03 {
			t.Errorf("q%.2f = %.0f, want %.0f ±3%%", q, got, want)
		}
	}
	if h.Max() != 1e8 || h.Quantile(1) != 1e8 {
		t.Errorf("max %d, q1 %d", h.Max(), h.Quantile(1))
	}
}

func TestHistBucketsMonotonic(t *testing.T) {
	prev := -1
	for v := int64(0); v < 1<<40; v = v*9/8 + 1 {
		b := bucketOf(v)
		if b < prev {
			t.Fatalf("bucket of %d is %d < %d", v, b, prev)
		}
		if mid := bucketMid(b); v >= 64 && math.Abs(float64(mid-v))/float64(v) > 0.032 {
			t.Fatalf("mid %d of bucket %d is far from %d", mid, b, v)
		}
		prev = b
	}
}
