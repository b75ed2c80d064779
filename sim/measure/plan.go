package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/zonemesh/zonemesh/scenarios"
	"github.com/zonemesh/zonemesh/sim/calibrate"
)

// Plan is a whole calibration: runs to fit from and a held-out run to predict.
type Plan struct {
	Scenario *scenarios.Scenario
	Out      string // evidence folder
	Binary   string
	Fit      []int // proxies per zone of the runs the costs are fitted from
	Holdout  int   // proxies per zone of the run predicted without refitting (0: none)
	Writes   int
	Burst    int
	Seed     uint64 // simulator seed
	Progress io.Writer
}

// Runs are measured runs as stored between measuring and fitting.
type Runs struct {
	Fit     []*Run `json:"fit"`
	Holdout *Run   `json:"holdout,omitempty"`
}

// Outcome is a calibration's result: the file, and how well it predicts each measured run.
type Outcome struct {
	Samples *calibrate.Samples
	File    *calibrate.File
	// Fitted compares each fitted run with its own simulation; Holdout the held-out run.
	Fitted  []calibrate.Validation
	Holdout *calibrate.Validation
	// HoldoutOneLine is the held-out run predicted from the same runs fitted without the zone
	// terms (a pass's cost per proxy one line in resources, dataplanes and policies alike):
	// the baseline they are judged against. Nil without a held-out run or with one proxy
	// count.
	HoldoutOneLine *calibrate.Validation
}

// MeasureAll measures the plan's runs, the held-out one last.
func MeasureAll(ctx context.Context, p Plan) (*Runs, error) {
	if len(p.Fit) == 0 {
		return nil, fmt.Errorf("measure: proxies: want at least one proxy count to fit from")
	}
	if p.Progress == nil {
		p.Progress = io.Discard
	}
	opts := Options{Out: p.Out, Binary: p.Binary, Writes: p.Writes, Burst: p.Burst, Progress: p.Progress}
	rs := &Runs{}
	for _, k := range p.Fit {
		opts.Proxies = k
		fmt.Fprintf(p.Progress, "measuring %d proxies per zone…\n", k)
		r, err := Measure(ctx, p.Scenario, opts)
		if err != nil {
			return nil, fmt.Errorf("%d proxies: %w", k, err)
		}
		rs.Fit = append(rs.Fit, r)
	}
	if p.Holdout > 0 {
		opts.Proxies = p.Holdout
		fmt.Fprintf(p.Progress, "measuring the held-out run, %d proxies per zone…\n", p.Holdout)
		r, err := Measure(ctx, p.Scenario, opts)
		if err != nil {
			return nil, fmt.Errorf("held-out %d proxies: %w", p.Holdout, err)
		}
		rs.Holdout = r
	}
	return rs, nil
}

// Calibrate fits from rs.Fit and predicts every run with the result.
func (rs *Runs) Calibrate(seed uint64) (*Outcome, error) {
	s, err := Samples(rs.Fit)
	if err != nil {
		return nil, err
	}
	f, err := Calibrate(s)
	if err != nil {
		return nil, err
	}
	o := &Outcome{Samples: s, File: f}
	for _, r := range rs.Fit {
		v, err := Predict(r, f, seed)
		if err != nil {
			return nil, fmt.Errorf("predict %d proxies: %w", r.Proxies, err)
		}
		o.Fitted = append(o.Fitted, v)
	}
	if rs.Holdout != nil {
		v, err := Predict(rs.Holdout, f, seed)
		if err != nil {
			return nil, fmt.Errorf("predict held-out %d proxies: %w", rs.Holdout.Proxies, err)
		}
		o.Holdout = &v
		if one := oneLineSamples(s); one != nil {
			f1, err := Calibrate(one)
			if err != nil {
				return nil, fmt.Errorf("fit one line in resources: %w", err)
			}
			v, err := predict(rs.Holdout, f1, seed, true)
			if err != nil {
				return nil, fmt.Errorf("predict held-out %d proxies from one line in resources: %w", rs.Holdout.Proxies, err)
			}
			o.HoldoutOneLine = &v
		}
	}
	return o, nil
}

// WriteFile stores measured runs as JSON.
func (rs *Runs) WriteFile(path string) error {
	b, err := json.MarshalIndent(rs, "", " ")
	if err != nil {
		return fmt.Errorf("measure: encode runs: %w", err)
	}
	return os.WriteFile(path, b, 0o644)
}

// ReadRuns reads runs stored by WriteFile.
func ReadRuns(path string) (*Runs, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("measure: %w", err)
	}
	var rs Runs
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("measure: %s: %w", path, err)
	}
	if len(rs.Fit) == 0 {
		return nil, fmt.Errorf("measure: %s: fit: no runs", path)
	}
	return &rs, nil
}
