package htmlreport

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/zonemesh/zonemesh/reports"
)

var (
	//go:embed page.tmpl
	pageText string
	//go:embed style.css
	styleText string

	pageTmpl = template.Must(template.New("page").Parse(pageText))
)

type page struct {
	R           *reports.Results
	Title       string
	Verdict     string // PASS or FAIL
	Class       string // pass or fail
	Style       template.CSS
	Tiles       []tile
	Checks      []checkRow
	ChecksPass  int
	Timeline    template.HTML
	ZoneShare   template.HTML
	Propagation template.HTML
	Series      template.HTML
	Zones       []swatch
	Windows     []windowRow
	Events      []eventRow
	PropRows    []propRow
	Conf        reports.Counts
	Profiles    []profileView
	Failures    []failureRow
	Env         []kv
}

// Render writes r as one self-contained HTML page. It validates r first and names the bad
// field if it is not.
func Render(w io.Writer, r *reports.Results) error {
	if err := r.Validate(); err != nil {
		return err
	}
	p, err := build(r)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if err := pageTmpl.Execute(bw, p); err != nil {
		return fmt.Errorf("htmlreport: render: %w", err)
	}
	return bw.Flush()
}

func build(r *reports.Results) (*page, error) {
	zones := zoneOrder(r)
	p := &page{
		R: r, Verdict: strings.ToUpper(string(r.Verdict)), Class: string(r.Verdict),
		Style: template.CSS(styleText), Zones: zoneSwatches(zones),
		Checks: checkRows(r), Windows: windowRows(r, zones), PropRows: propRows(r, zones),
		Conf: r.ConformanceCounts(), Profiles: profiles(r), Failures: failureRows(r), Env: environment(r),
	}
	p.Title = fmt.Sprintf("%s — %s — zonemesh report", r.Name, p.Verdict)
	if r.Simulated {
		p.Title = "SIMULATED · " + p.Title
	}
	p.ChecksPass, _ = r.CheckCounts()
	for _, e := range r.Events {
		p.Events = append(p.Events, eventRow{T: reports.FormatSeconds(e.T), Kind: e.Kind, Label: e.Label})
	}
	p.Tiles = tiles(r)

	var err error
	if len(r.Timeline) > 0 {
		if p.Timeline, err = timelineFigure(r); err != nil {
			return nil, fmt.Errorf("htmlreport: timeline chart: %w", err)
		}
		if len(r.Zones()) > 0 {
			if p.ZoneShare, err = zoneShareFigure(r, zones); err != nil {
				return nil, fmt.Errorf("htmlreport: zone chart: %w", err)
			}
		}
	}
	if len(r.Propagation) > 0 {
		if p.Propagation, err = propagationFigure(r, zones); err != nil {
			return nil, fmt.Errorf("htmlreport: propagation chart: %w", err)
		}
	}
	if len(r.SimSeries) > 0 {
		if p.Series, err = seriesFigure(r); err != nil {
			return nil, fmt.Errorf("htmlreport: simulator chart: %w", err)
		}
	}
	return p, nil
}

// tiles are the key figures under the verdict banner.
func tiles(r *reports.Results) []tile {
	out := []tile{{Label: "duration", Value: reports.FormatSeconds(r.Finished.Sub(r.Started).Round(time.Millisecond).Seconds()),
		Sub: r.Started.UTC().Format("2006-01-02 15:04 MST")}}
	if passed, total := r.CheckCounts(); total > 0 {
		out = append(out, tile{Label: "checks", Value: fmt.Sprintf("%d / %d", passed, total), Sub: "passed", Class: okClass(passed == total)})
	}
	if len(r.Timeline) > 0 || r.Load != nil {
		l := r.LoadStats()
		out = append(out,
			tile{Label: "success rate", Value: reports.FormatPercent(l.SuccessRate), Sub: fmt.Sprintf("%d of %d requests", l.Successes, l.Requests), Class: okClass(l.Successes == l.Requests)},
			tile{Label: "latency p50 / p99", Value: reports.FormatMs(l.P50Ms) + " / " + reports.FormatMs(l.P99Ms), Sub: map[bool]string{true: "exact", false: "from per-second figures"}[l.Exact]})
	}
	for _, s := range r.PropagationStats() {
		if s.Stage == reports.StageEndToEnd && s.Zone == "" {
			out = append(out, tile{Label: "propagation p99", Value: reports.FormatSeconds(s.P99), Sub: fmt.Sprintf("global → proxy, %d samples", s.N)})
		}
	}
	if c := r.ConformanceCounts(); c.Total() > 0 {
		out = append(out, tile{Label: "conformance", Value: fmt.Sprintf("%d / %d", c.Succeeded, c.Total()),
			Sub: fmt.Sprintf("%d failed · %d skipped · %d unsupported", c.Failed, c.Skipped, c.NotSupported), Class: okClass(c.Failed == 0)})
	}
	return out
}

func okClass(ok bool) string {
	if ok {
		return "good"
	}
	return "bad"
}
