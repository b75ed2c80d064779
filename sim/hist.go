package sim

import "math/bits"

// Hist is a fixed log-linear histogram of non-negative nanosecond values: exact below 64 ns,
// then 32 sub-buckets per power of two (at most ~3% relative error), up to ~78 hours. Counts
// are weights, so one sampled proxy can stand for a stratum of proxies.
type Hist struct {
	n      uint64 // before counts: an Add then touches one far cache line, not two
	max    int64
	counts [histBuckets]uint64
}

const histBuckets = 64 + 40*32

func bucketOf(v int64) int {
	if v < 64 {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 6
	i := 64 + (e-1)*32 + int(uint64(v)>>e) - 32
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// bucketMid is the middle of bucket i, the value a quantile in it reports.
func bucketMid(i int) int64 {
	if i < 64 {
		return int64(i)
	}
	e := (i-64)/32 + 1
	m := int64((i-64)%32 + 32)
	return m<<e + (int64(1)<<e)/2
}

// Add records v with weight w.
func (h *Hist) Add(v int64, w uint64) {
	if w == 0 {
		return
	}
	h.counts[bucketOf(v)] += w
	h.n += w
	if v > h.max {
		h.max = v
	}
}

// Merge adds every value of o to h, as if each had been added to h.
func (h *Hist) Merge(o *Hist) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count is the total weight.
func (h *Hist) Count() uint64 { return h.n }

// Max is the largest value added.
func (h *Hist) Max() int64 { return h.max }

// Quantile returns the value at quantile q in [0,1], 0 when empty.
func (h *Hist) Quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(q * float64(h.n))
	if rank >= h.n {
		rank = h.n - 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			if v := bucketMid(i); v < h.max {
				return v
			}
			return h.max
		}
	}
	return h.max
}
