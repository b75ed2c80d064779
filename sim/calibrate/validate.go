package calibrate

import (
	"fmt"
	"io"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// QuantileError compares one quantile of a prediction with the measurement.
type QuantileError struct {
	Q         float64 `json:"q"`
	Predicted float64 `json:"predicted"` // seconds
	Measured  float64 `json:"measured"`
	RelErr    float64 `json:"relErr"` // (predicted − measured) / measured
}

// Validation is how well a prediction matches a held-out measured sample set.
type Validation struct {
	NPredicted int             `json:"nPredicted"`
	NMeasured  int             `json:"nMeasured"`
	Quantiles  []QuantileError `json:"quantiles"` // p50, p90, p99
	KS         float64         `json:"ks"`        // two-sample Kolmogorov–Smirnov D
}

// Validate compares predicted with measured (both seconds) at p50, p90 and p99 and by the
// two-sample KS statistic.
func Validate(predicted, measured []float64) (Validation, error) {
	if len(predicted) < MinSamples || len(measured) < MinSamples {
		return Validation{}, fmt.Errorf("%w: predicted %d, measured %d (want >= %d each)", ErrTooFewSamples, len(predicted), len(measured), MinSamples)
	}
	p, m := slices.Clone(predicted), slices.Clone(measured)
	slices.Sort(p)
	slices.Sort(m)
	v := Validation{NPredicted: len(p), NMeasured: len(m), KS: stat.KolmogorovSmirnov(p, nil, m, nil)}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		pq := stat.Quantile(q, stat.Empirical, p, nil)
		mq := stat.Quantile(q, stat.Empirical, m, nil)
		rel := math.Inf(1)
		if mq != 0 {
			rel = (pq - mq) / mq
		}
		v.Quantiles = append(v.Quantiles, QuantileError{Q: q, Predicted: pq, Measured: mq, RelErr: rel})
	}
	return v, nil
}

// Within reports whether p50 is within p50Tol and p99 within p99Tol relative error.
func (v Validation) Within(p50Tol, p99Tol float64) bool {
	for _, q := range v.Quantiles {
		switch q.Q {
		case 0.5:
			if math.Abs(q.RelErr) > p50Tol {
				return false
			}
		case 0.99:
			if math.Abs(q.RelErr) > p99Tol {
				return false
			}
		}
	}
	return true
}

// Report writes the validation as a few lines.
func (v Validation) Report(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "validation: %d predicted vs %d measured, KS D %.4f\n", v.NPredicted, v.NMeasured, v.KS); err != nil {
		return err
	}
	for _, q := range v.Quantiles {
		if _, err := fmt.Fprintf(w, "  p%-3g predicted %9.3fms  measured %9.3fms  error %+6.1f%%\n", q.Q*100, q.Predicted*1e3, q.Measured*1e3, q.RelErr*100); err != nil {
			return err
		}
	}
	return nil
}
