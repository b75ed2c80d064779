package htmlreport

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// niceTicks labels an axis every 1, 2 or 5 × 10^k units, about n labels over the range, with
// unlabelled minor ticks between; gonum's default often labels only the two ends.
type niceTicks struct{ n int }

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: fmtTick(lo)}}
	}
	n := t.n
	if n <= 0 {
		n = 6
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	minor := step / 5
	if s := step / mag; s == 2 {
		minor = step / 4
	}
	var ticks []plot.Tick
	first := math.Ceil(lo/minor) * minor
	for i := 0; ; i++ {
		v := first + float64(i)*minor
		if v > hi+minor*1e-9 {
			break
		}
		// Snap to the step grid so float error does not hide a label.
		if k := v / step; math.Abs(k-math.Round(k)) < 1e-6 {
			v = math.Round(k) * step
			ticks = append(ticks, plot.Tick{Value: v, Label: fmtTick(v)})
		} else {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return ticks
}

func fmtTick(v float64) string {
	if math.Abs(v) < 1e-12 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}
