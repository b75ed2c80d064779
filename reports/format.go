package reports

import (
	"fmt"
	"strconv"
	"time"
)

// FormatSeconds prints a duration in seconds with a unit a person reads at a glance:
// "850 µs", "12.3 ms", "1.25 s", "2m05s".
func FormatSeconds(s float64) string {
	switch {
	case s == 0:
		return "0 s"
	case s < 1e-3:
		return trim(s*1e6) + " µs"
	case s < 1:
		return trim(s*1e3) + " ms"
	case s < 120:
		return trim(s) + " s"
	default:
		d := time.Duration(s * float64(time.Second)).Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}

// FormatMs prints milliseconds like FormatSeconds.
func FormatMs(ms float64) string { return FormatSeconds(ms / 1e3) }

// FormatPercent prints a 0..1 ratio as a percentage with enough digits to tell 99.9 from 100.
func FormatPercent(r float64) string {
	p := r * 100
	switch {
	case p == 100 || p == 0:
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	case p > 99 && p < 100:
		return strconv.FormatFloat(p, 'f', 3, 64) + "%"
	default:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	}
}

// FormatValue prints a check's observed value or bound in its unit.
func FormatValue(v float64, unit string) string {
	switch unit {
	case "s":
		return FormatSeconds(v)
	case "ms":
		return FormatMs(v)
	case "ratio":
		return FormatPercent(v)
	case "", "count":
		return trim(v)
	default:
		return trim(v) + " " + unit
	}
}

// trim prints v with three significant digits, without trailing zeros.
func trim(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}
