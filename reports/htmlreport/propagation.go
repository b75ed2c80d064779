package htmlreport

import (
	"html/template"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zonemesh/zonemesh/reports"
)

// propagationFigure draws, per stage, the empirical CDF of propagation time for each zone,
// with each zone's p50 (circle) and p99 (triangle) marked on its curve.
func propagationFigure(r *reports.Results, zones []string) (template.HTML, error) {
	samples := map[string]map[string][]float64{} // stage → zone → ms
	maxMs := 0.0
	for _, s := range r.Propagation {
		if samples[s.Stage] == nil {
			samples[s.Stage] = map[string][]float64{}
		}
		ms := s.Seconds * 1e3
		samples[s.Stage][s.Zone] = append(samples[s.Stage][s.Zone], ms)
		maxMs = max(maxMs, ms)
	}
	var row []*plot.Plot
	for _, st := range reports.Stages {
		byZone := samples[st]
		if byZone == nil {
			continue
		}
		p := newPlot("")
		if len(row) == 0 {
			p.Y.Label.Text = "fraction of samples"
		}
		p.X.Label.Text = st + " (ms)"
		p.X.Min, p.X.Max = 0, maxMs*1.05
		p.Y.Min, p.Y.Max = 0, 1.02
		for _, q := range []float64{0.5, 0.99} {
			g, err := plotter.NewLine(plotter.XYs{{X: 0, Y: q}, {X: p.X.Max, Y: q}})
			if err != nil {
				return "", err
			}
			g.Color = rgb("#9a9a9a", 255)
			g.Width = vg.Points(0.6)
			g.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
			p.Add(g)
		}
		for i, z := range zones {
			xs := slices.Clone(byZone[z])
			if len(xs) == 0 {
				continue
			}
			slices.Sort(xs)
			cdf := make(plotter.XYs, 0, len(xs)+1)
			cdf = append(cdf, plotter.XY{X: xs[0], Y: 0})
			for j, x := range xs {
				cdf = append(cdf, plotter.XY{X: x, Y: float64(j+1) / float64(len(xs))})
			}
			l, err := plotter.NewLine(cdf)
			if err != nil {
				return "", err
			}
			l.StepStyle = plotter.PreStep
			l.Color = rgb(zoneColor(i), 255)
			l.Width = vg.Points(1.4)
			p.Add(l)
			for _, m := range []struct {
				q     float64
				glyph draw.GlyphDrawer
			}{{0.5, draw.CircleGlyph{}}, {0.99, draw.TriangleGlyph{}}} {
				sc, err := plotter.NewScatter(plotter.XYs{{X: reports.Quantile(xs, m.q), Y: m.q}})
				if err != nil {
					return "", err
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: rgb(zoneColor(i), 255), Radius: vg.Points(3), Shape: m.glyph}
				p.Add(sc)
			}
		}
		row = append(row, p)
	}
	if len(row) == 0 {
		return "", nil
	}
	return figure([][]*plot.Plot{row}, 10*vg.Inch, 3.2*vg.Inch,
		"Propagation time CDF per stage and zone; circles mark p50, triangles p99")
}

// seriesFigure draws the simulator's series, one panel each on a shared time axis.
func seriesFigure(r *reports.Results) (template.HTML, error) {
	var rows [][]*plot.Plot
	for i, s := range r.SimSeries {
		p := newPlot(s.Unit)
		p.Title.Text = s.Name
		p.Title.TextStyle.Font = sans(9)
		p.Title.TextStyle.Color = rgb(colText, 255)
		xlabel := ""
		if i == len(r.SimSeries)-1 {
			xlabel = "simulated seconds"
		}
		timeAxis(p, r, xlabel)
		hi := 0.0
		for _, pt := range s.Points {
			hi = max(hi, pt.V)
		}
		if hi == 0 {
			hi = 1
		}
		p.Y.Min, p.Y.Max = 0, hi*1.3
		if err := overlay(p, r, p.Y.Min, p.Y.Max, i == 0); err != nil {
			return "", err
		}
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			xys[j] = plotter.XY{X: pt.T, Y: pt.V}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return "", err
		}
		l.Color = rgb(zoneColor(i), 255)
		l.Width = vg.Points(1.4)
		l.FillColor = rgb(zoneColor(i), 50)
		p.Add(l)
		rows = append(rows, []*plot.Plot{p})
	}
	if len(rows) == 0 {
		return "", nil
	}
	return figure(rows, 10*vg.Inch, vg.Length(len(rows))*2.2*vg.Inch, "Simulator series over simulated time")
}
