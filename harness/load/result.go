package load

import (
	"sort"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Record is one request.
type Record struct {
	Offset  time.Duration `json:"offset"`  // when it was sent, from Result.Start
	Latency time.Duration `json:"latency"` // until the response (or the error)
	Code    uint16        `json:"code"`    // 0 when no response came
	Err     string        `json:"error,omitempty"`
	Zone    string        `json:"zone,omitempty"` // zone that answered, if it said so
}

// OK reports whether the request succeeded: a 2xx or 3xx answer and no transport error.
func (r Record) OK() bool { return r.Err == "" && r.Code >= 200 && r.Code < 400 }

// Result is one load phase.
type Result struct {
	Name    string    `json:"name,omitempty"`
	Start   time.Time `json:"start"`
	Records []Record  `json:"records"` // in the order results arrived; see Sort
}

// Stats aggregates a set of records. Quantiles are exact (empirical) over the latencies of all
// records, failed ones included, as vegeta reports them.
type Stats struct {
	Requests  int            `json:"requests"`
	Successes int            `json:"successes"`
	ErrorRate float64        `json:"errorRate"`
	P50       time.Duration  `json:"p50"`
	P90       time.Duration  `json:"p90"`
	P99       time.Duration  `json:"p99"`
	Max       time.Duration  `json:"max"`
	ByZone    map[string]int `json:"byZone,omitempty"` // successful answers per answering zone
}

// Bucket is the stats of the records sent in [Start, Start+width).
type Bucket struct {
	Start time.Duration `json:"start"`
	Stats
}

// Sort orders the records by send time; Buckets and Window need it and call it themselves.
func (r *Result) Sort() {
	if !sort.SliceIsSorted(r.Records, func(i, j int) bool { return r.Records[i].Offset < r.Records[j].Offset }) {
		sort.SliceStable(r.Records, func(i, j int) bool { return r.Records[i].Offset < r.Records[j].Offset })
	}
}

// Summary is the stats of the whole phase.
func (r *Result) Summary() Stats { return Summarize(r.Records, nil) }

// Window returns the records sent in [from, to); to <= 0 means to the end.
func (r *Result) Window(from, to time.Duration) []Record {
	r.Sort()
	lo := sort.Search(len(r.Records), func(i int) bool { return r.Records[i].Offset >= from })
	hi := len(r.Records)
	if to > 0 {
		hi = sort.Search(len(r.Records), func(i int) bool { return r.Records[i].Offset >= to })
	}
	if hi < lo {
		hi = lo
	}
	return r.Records[lo:hi]
}

// ErrorRate is the share of failed requests among those sent in [from, to), and their count.
func (r *Result) ErrorRate(from, to time.Duration) (rate float64, n int) {
	w := r.Window(from, to)
	fails := 0
	for _, rec := range w {
		if !rec.OK() {
			fails++
		}
	}
	if len(w) == 0 {
		return 0, 0
	}
	return float64(fails) / float64(len(w)), len(w)
}

// ZoneShare is the share of successful answers in [from, to) that came from zone, and the
// number of successful answers it is computed over.
func (r *Result) ZoneShare(zone string, from, to time.Duration) (share float64, n int) {
	hits := 0
	for _, rec := range r.Window(from, to) {
		if rec.OK() {
			n++
			if rec.Zone == zone {
				hits++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(hits) / float64(n), n
}

// Buckets cuts the phase into consecutive buckets of width (per second with time.Second) by
// send time. Empty seconds appear as buckets with zero requests, so a timeline has no gaps.
func (r *Result) Buckets(width time.Duration) []Bucket {
	if width <= 0 || len(r.Records) == 0 {
		return nil
	}
	r.Sort()
	last := r.Records[len(r.Records)-1].Offset
	out := make([]Bucket, 0, int(last/width)+1)
	scratch := make([]float64, 0, 1024)
	i := 0
	for start := time.Duration(0); start <= last; start += width {
		j := i
		for j < len(r.Records) && r.Records[j].Offset < start+width {
			j++
		}
		out = append(out, Bucket{Start: start, Stats: Summarize(r.Records[i:j], &scratch)})
		i = j
	}
	return out
}

// Summarize computes Stats over recs. scratch, if not nil, is reused for the sorted latencies.
func Summarize(recs []Record, scratch *[]float64) Stats {
	st := Stats{Requests: len(recs)}
	if len(recs) == 0 {
		return st
	}
	var lat []float64
	if scratch != nil {
		lat = (*scratch)[:0]
	}
	for _, rec := range recs {
		lat = append(lat, float64(rec.Latency))
		if rec.OK() {
			st.Successes++
			if rec.Zone != "" {
				if st.ByZone == nil {
					st.ByZone = map[string]int{}
				}
				st.ByZone[rec.Zone]++
			}
		}
	}
	if scratch != nil {
		*scratch = lat
	}
	sort.Float64s(lat)
	st.ErrorRate = float64(st.Requests-st.Successes) / float64(st.Requests)
	q := func(p float64) time.Duration { return time.Duration(stat.Quantile(p, stat.Empirical, lat, nil)) }
	st.P50, st.P90, st.P99 = q(0.5), q(0.9), q(0.99)
	st.Max = time.Duration(lat[len(lat)-1])
	return st
}
