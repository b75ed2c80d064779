package htmlreport

import (
	"html/template"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/zonemesh/zonemesh/reports"
)

// timeEnd is the right edge of every time axis: the last bucket, fault or event.
func timeEnd(r *reports.Results) float64 {
	end := 0.0
	if n := len(r.Timeline); n > 0 {
		end = float64(r.Timeline[n-1].T + 1)
	}
	for _, f := range r.Faults {
		end = max(end, f.End)
	}
	for _, e := range r.Events {
		end = max(end, e.T)
	}
	for _, s := range r.SimSeries {
		if n := len(s.Points); n > 0 {
			end = max(end, s.Points[n-1].T)
		}
	}
	return math.Max(end, 1)
}

// stepLine draws one value per bucket as a step held for the bucket's second.
func stepLine(r *reports.Results, v func(b reports.Bucket) (float64, bool), hex string, width float64) (*plotter.Line, error) {
	var xys plotter.XYs
	for _, b := range r.Timeline {
		if y, ok := v(b); ok {
			xys = append(xys, plotter.XY{X: float64(b.T), Y: y})
		}
	}
	if n := len(xys); n > 0 {
		xys = append(xys, plotter.XY{X: xys[n-1].X + 1, Y: xys[n-1].Y})
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	l.StepStyle = plotter.PostStep
	l.Color = rgb(hex, 255)
	l.Width = vg.Points(width)
	return l, nil
}

func timeAxis(p *plot.Plot, r *reports.Results, label string) {
	p.X.Min, p.X.Max = 0, timeEnd(r)
	p.X.Label.Text = label
}

// timelineFigure draws throughput, success rate and p50/p99 latency per second, one panel
// above the other on a shared time axis, with fault windows and events on each.
func timelineFigure(r *reports.Results) (template.HTML, error) {
	maxReq, minRate, minLat, maxLat := 1.0, 100.0, math.Inf(1), 0.0
	for _, b := range r.Timeline {
		maxReq = max(maxReq, float64(b.Requests))
		if b.Requests > 0 {
			minRate = min(minRate, 100*float64(b.Successes)/float64(b.Requests))
			for _, v := range []float64{b.P50Ms, b.P99Ms} {
				if v > 0 {
					minLat, maxLat = min(minLat, v), max(maxLat, v)
				}
			}
		}
	}
	if math.IsInf(minLat, 1) {
		minLat, maxLat = 0.1, 1
	}

	thr := newPlot("requests / s")
	timeAxis(thr, r, "")
	thr.Y.Min, thr.Y.Max = 0, maxReq*1.4
	if err := overlay(thr, r, thr.Y.Min, thr.Y.Max, true); err != nil {
		return "", err
	}
	for _, s := range []struct {
		hex string
		v   func(b reports.Bucket) (float64, bool)
	}{
		{colReq, func(b reports.Bucket) (float64, bool) { return float64(b.Requests), true }},
		{colOK, func(b reports.Bucket) (float64, bool) { return float64(b.Successes), true }},
		{colFail, func(b reports.Bucket) (float64, bool) { return float64(b.Requests - b.Successes), true }},
	} {
		l, err := stepLine(r, s.v, s.hex, 1.4)
		if err != nil {
			return "", err
		}
		thr.Add(l)
	}

	rate := newPlot("success %")
	timeAxis(rate, r, "")
	rate.Y.Min, rate.Y.Max = math.Floor(min(minRate-2, 95)), 101
	if err := overlay(rate, r, rate.Y.Min, rate.Y.Max, false); err != nil {
		return "", err
	}
	rl, err := stepLine(r, func(b reports.Bucket) (float64, bool) {
		return 100 * float64(b.Successes) / float64(b.Requests), b.Requests > 0
	}, colRate, 1.6)
	if err != nil {
		return "", err
	}
	rate.Add(rl)

	lat := newPlot("latency ms")
	timeAxis(lat, r, "seconds since start")
	lat.Y.Min, lat.Y.Max = minLat*0.7, maxLat*1.3
	// Fault latencies (timeouts) dwarf steady-state ones; a log axis keeps both readable.
	if maxLat/minLat > 20 {
		lat.Y.Scale = plot.LogScale{}
		lat.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		lat.Y.Max = maxLat * 2
	}
	if err := overlay(lat, r, lat.Y.Min, lat.Y.Max, false); err != nil {
		return "", err
	}
	for _, s := range []struct {
		hex string
		v   func(b reports.Bucket) (float64, bool)
	}{
		{colP50, func(b reports.Bucket) (float64, bool) { return b.P50Ms, b.Requests > 0 && b.P50Ms > 0 }},
		{colP99, func(b reports.Bucket) (float64, bool) { return b.P99Ms, b.Requests > 0 && b.P99Ms > 0 }},
	} {
		l, err := stepLine(r, s.v, s.hex, 1.4)
		if err != nil {
			return "", err
		}
		lat.Add(l)
	}
	return figure([][]*plot.Plot{{thr}, {rate}, {lat}}, 10*vg.Inch, 7*vg.Inch,
		"Timeline: requests, successes and failures per second; success rate; p50 and p99 latency")
}

// zoneShareFigure stacks the successful responses per answering zone, with failed requests
// on top, so a shift of traffic between zones during a fault is visible at a glance.
func zoneShareFigure(r *reports.Results, zones []string) (template.HTML, error) {
	p := newPlot("responses / s")
	timeAxis(p, r, "seconds since start")
	maxReq := 1.0
	for _, b := range r.Timeline {
		maxReq = max(maxReq, float64(b.Requests))
	}
	p.Y.Min, p.Y.Max = 0, maxReq*1.3
	if err := overlay(p, r, p.Y.Min, p.Y.Max, true); err != nil {
		return "", err
	}
	// Layer k covers zones[0..k]; drawing the tallest first lets each lower layer paint over it.
	layers := len(zones) + 1
	for k := layers - 1; k >= 0; k-- {
		hex := colFail
		if k < len(zones) {
			hex = zoneColor(k)
		}
		l, err := stepLine(r, func(b reports.Bucket) (float64, bool) {
			if k == len(zones) {
				return float64(b.Requests), true
			}
			sum := 0
			for _, z := range zones[:k+1] {
				sum += b.ByZone[z]
			}
			return float64(sum), true
		}, hex, 0.8)
		if err != nil {
			return "", err
		}
		l.FillColor = rgb(hex, 200)
		p.Add(l)
	}
	// Fault labels were drawn under the areas; repeat them on top so they stay readable.
	if err := overlay(p, &reports.Results{Faults: labelOnly(r.Faults), Events: r.Events}, p.Y.Min, p.Y.Max, true); err != nil {
		return "", err
	}
	return figure([][]*plot.Plot{{p}}, 10*vg.Inch, 3.2*vg.Inch, "Responses per second by answering zone, failed requests on top")
}

// labelOnly returns zero-width copies of windows so overlay draws only their names.
func labelOnly(fs []reports.FaultWindow) []reports.FaultWindow {
	out := make([]reports.FaultWindow, len(fs))
	for i, f := range fs {
		out[i] = reports.FaultWindow{Name: f.Name, Start: f.Start, End: f.Start}
	}
	return out
}
