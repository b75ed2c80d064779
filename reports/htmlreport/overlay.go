package htmlreport

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zonemesh/zonemesh/reports"
)

// overlay puts the run's fault windows (shaded) and events (dashed vertical lines) on a
// time-axis plot whose Y range is [ymin, ymax]. With labels, each window and event is named
// inside the plot; other panels of the same figure only repeat the shading and lines.
// Call it before adding data so the data draws on top.
func overlay(p *plot.Plot, r *reports.Results, ymin, ymax float64, labels bool) error {
	for _, f := range r.Faults {
		poly, err := plotter.NewPolygon(plotter.XYs{{X: f.Start, Y: ymin}, {X: f.End, Y: ymin}, {X: f.End, Y: ymax}, {X: f.Start, Y: ymax}})
		if err != nil {
			return err
		}
		poly.Color = rgb(colFault, 34)
		poly.LineStyle.Width = 0
		p.Add(poly)
		edges, err := plotter.NewLine(plotter.XYs{{X: f.Start, Y: ymin}, {X: f.Start, Y: ymax}})
		if err != nil {
			return err
		}
		edges.Color = rgb(colFault, 120)
		edges.Width = vg.Points(0.6)
		p.Add(edges)
	}
	for _, e := range r.Events {
		l, err := plotter.NewLine(plotter.XYs{{X: e.T, Y: ymin}, {X: e.T, Y: ymax}})
		if err != nil {
			return err
		}
		l.Color = rgb(colEvent, 220)
		l.Width = vg.Points(1)
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
	}
	if !labels {
		return nil
	}
	// Fault names sit in the top band of the panel, event labels just below, so the two
	// rows do not collide when an event falls inside a window.
	left, right := &labelSet{offset: 3}, &labelSet{offset: -3}
	top := ymin + (ymax-ymin)*0.97
	for _, f := range r.Faults {
		left.add(f.Start, top, f.Name, textStyle(colFault, 8, text.XLeft))
	}
	mid := ymin + (ymax-ymin)*0.86
	lo, hi := p.X.Min, p.X.Max
	for _, e := range r.Events {
		// Labels of events in the right fifth of the axis go left of their line so they stay
		// inside the chart.
		if e.T > lo+(hi-lo)*0.8 {
			right.add(e.T, mid, shorten(e.Label, 34), textStyle(colEvent, 7.5, text.XRight))
		} else {
			left.add(e.T, mid, shorten(e.Label, 34), textStyle(colEvent, 7.5, text.XLeft))
		}
	}
	for _, ls := range []*labelSet{left, right} {
		if err := ls.addTo(p); err != nil {
			return err
		}
	}
	return nil
}

// labelSet gathers annotations that share a horizontal offset from their anchor.
type labelSet struct {
	offset float64 // points
	xys    plotter.XYs
	strs   []string
	styles []text.Style
}

func (l *labelSet) add(x, y float64, s string, st text.Style) {
	l.xys = append(l.xys, plotter.XY{X: x, Y: y})
	l.strs = append(l.strs, s)
	l.styles = append(l.styles, st)
}

func (l *labelSet) addTo(p *plot.Plot) error {
	if len(l.xys) == 0 {
		return nil
	}
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: l.xys, Labels: l.strs})
	if err != nil {
		return err
	}
	lb.TextStyle = l.styles
	lb.Offset = vg.Point{X: vg.Points(l.offset)}
	p.Add(lb)
	return nil
}

func textStyle(hex string, size vg.Length, xalign text.XAlignment) text.Style {
	return text.Style{Font: sans(size), Color: rgb(hex, 255), XAlign: xalign, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
