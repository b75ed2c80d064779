package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"runtime"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/zonemesh/zonemesh/reports"
)

// ReportAPIVersion versions the conformance report format.
const ReportAPIVersion = "zonemesh.io/conformance/v1"

// Report is the conformance report of one run.
type Report struct {
	APIVersion      string              `json:"apiVersion" yaml:"apiVersion"`
	Kind            string              `json:"kind" yaml:"kind"`
	Implementation  ReportProduct       `json:"implementation" yaml:"implementation"`
	Zonemesh        string              `json:"zonemeshVersion" yaml:"zonemeshVersion"`
	Backend         string              `json:"backend" yaml:"backend"`
	Date            time.Time           `json:"date" yaml:"date"`
	DurationSeconds float64             `json:"durationSeconds" yaml:"durationSeconds"`
	Profiles        []ProfileSummary    `json:"profiles" yaml:"profiles"`
	Requirements    []RequirementResult `json:"requirements" yaml:"requirements"`
}

// ReportProduct names the implementation under test.
type ReportProduct struct {
	Name    string `json:"name" yaml:"name"`
	Version string `json:"version" yaml:"version"`
}

// ProfileSummary counts the results of one profile's requirements.
type ProfileSummary struct {
	Name         Profile `json:"name" yaml:"name"`
	Succeeded    int     `json:"succeeded" yaml:"succeeded"`
	Failed       int     `json:"failed" yaml:"failed"`
	Skipped      int     `json:"skipped" yaml:"skipped"`
	NotSupported int     `json:"notSupported" yaml:"notSupported"`
}

// RequirementResult is one requirement's line of the report.
type RequirementResult struct {
	ID              string  `json:"id" yaml:"id"`
	Title           string  `json:"title" yaml:"title"`
	Level           Level   `json:"level" yaml:"level"`
	Profile         Profile `json:"profile" yaml:"profile"`
	Result          Result  `json:"result" yaml:"result"`
	Reason          string  `json:"reason,omitempty" yaml:"reason,omitempty"`
	DurationSeconds float64 `json:"durationSeconds" yaml:"durationSeconds"`
}

// NewReport builds a report from outcomes (in the order they ran).
func NewReport(impl, version, zonemesh, backend string, date time.Time, took time.Duration, outs []Outcome) *Report {
	r := &Report{APIVersion: ReportAPIVersion, Kind: "ConformanceReport", Implementation: ReportProduct{impl, version},
		Zonemesh: zonemesh, Backend: backend, Date: date.UTC(), DurationSeconds: round3(took.Seconds())}
	sums := map[Profile]*ProfileSummary{}
	for _, o := range outs {
		r.Requirements = append(r.Requirements, RequirementResult{ID: o.ID, Title: o.Title, Level: o.Level, Profile: o.Profile,
			Result: o.Result, Reason: o.Reason, DurationSeconds: round3(o.Duration.Seconds())})
		s := sums[o.Profile]
		if s == nil {
			s = &ProfileSummary{Name: o.Profile}
			sums[o.Profile] = s
		}
		switch o.Result {
		case Succeeded:
			s.Succeeded++
		case Failed:
			s.Failed++
		case Skipped:
			s.Skipped++
		case NotSupported:
			s.NotSupported++
		}
	}
	for _, p := range Profiles() {
		if s := sums[p]; s != nil {
			r.Profiles = append(r.Profiles, *s)
		}
	}
	return r
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// Passed reports whether every MUST requirement that ran Succeeded. A SHOULD may fail: the
// report carries its reason.
func (r *Report) Passed() bool {
	for _, q := range r.Requirements {
		if q.Level == Must && q.Result != Succeeded {
			return false
		}
	}
	return true
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteYAML writes the report as YAML.
func (r *Report) WriteYAML(w io.Writer) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("conformance: encode YAML report: %w", err)
	}
	return enc.Close()
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
}

// WriteJUnit writes the report as JUnit XML: one testsuite per profile, one testcase per
// requirement; NotSupported is a skip whose message says so.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{Name: "zonemesh conformance: " + r.Implementation.Name, Time: secs(r.DurationSeconds)}
	for _, p := range Profiles() {
		s := junitSuite{Name: string(p)}
		var total float64
		for _, q := range r.Requirements {
			if q.Profile != p {
				continue
			}
			c := junitCase{Name: q.ID + " " + q.Title, Classname: "conformance." + string(p) + "." + string(q.Level), Time: secs(q.DurationSeconds)}
			switch q.Result {
			case Failed:
				c.Failure = &junitMessage{Message: q.Reason, Type: "Failed"}
				s.Failures++
			case Skipped, NotSupported:
				c.Skipped = &junitMessage{Message: string(q.Result) + ": " + q.Reason}
				s.Skipped++
			}
			total += q.DurationSeconds
			s.Cases = append(s.Cases, c)
		}
		if len(s.Cases) == 0 {
			continue
		}
		s.Tests, s.Time = len(s.Cases), secs(total)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("conformance: encode JUnit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func secs(f float64) string { return fmt.Sprintf("%.3f", f) }

// Results converts the report into the run results model that report.html renders.
func (r *Report) Results(machine reports.Machine) *reports.Results {
	end := r.Date.Add(time.Duration(r.DurationSeconds * float64(time.Second)))
	res := &reports.Results{Kind: reports.KindConformance, Name: "conformance",
		Description: fmt.Sprintf("%s %s against the zonemesh conformance catalog", r.Implementation.Name, r.Implementation.Version),
		Started:     r.Date, Finished: end, Verdict: reports.Fail,
		Environment: reports.Environment{ZonemeshVersion: r.Zonemesh, GoVersion: runtime.Version(), Backend: r.Backend, Seed: 1,
			Machine: machine, Implementation: reports.Implementation{Name: r.Implementation.Name, Version: r.Implementation.Version},
			Topology: "3 zones × (client, api, backend)"}}
	if r.Passed() {
		res.Verdict = reports.Pass
	}
	n := map[Result]int{}
	for _, q := range r.Requirements {
		n[q.Result]++
		res.Conformance = append(res.Conformance, reports.Requirement{ID: q.ID, Title: q.Title, Level: string(q.Level), Profile: string(q.Profile),
			Result: reports.Result(q.Result), Reason: q.Reason, DurationSeconds: q.DurationSeconds})
	}
	res.Summary = fmt.Sprintf("%d requirements: %d Succeeded, %d Failed, %d Skipped, %d NotSupported",
		len(r.Requirements), n[Succeeded], n[Failed], n[Skipped], n[NotSupported])
	return res
}
