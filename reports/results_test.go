package reports_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/reports/reportstest"
)

func TestRoundTrip(t *testing.T) {
	for _, r := range []*reports.Results{reportstest.Sample(), reportstest.SimSample()} {
		var b bytes.Buffer
		if err := reports.Write(&b, r); err != nil {
			t.Fatalf("%s: write: %v", r.Name, err)
		}
		got, err := reports.Read(&b)
		if err != nil {
			t.Fatalf("%s: read: %v", r.Name, err)
		}
		var b2 bytes.Buffer
		if err := reports.Write(&b2, got); err != nil {
			t.Fatal(err)
		}
		var b1 bytes.Buffer
		_ = reports.Write(&b1, r)
		if b1.String() != b2.String() {
			t.Errorf("%s: JSON changed across a round trip", r.Name)
		}
	}
}

func TestSampleIsConsistent(t *testing.T) {
	r := reportstest.Sample()
	for _, b := range r.Timeline {
		sum := 0
		for _, n := range b.ByZone {
			sum += n
		}
		if sum != b.Successes {
			t.Errorf("t=%d: byZone sums to %d, successes %d", b.T, sum, b.Successes)
		}
	}
	fail := 0
	for _, b := range r.Timeline {
		if b.T >= 30 && b.T < 45 {
			fail += b.Requests - b.Successes
		}
	}
	if fail != 110 {
		t.Errorf("failed requests in partition = %d, the sample's check says 110", fail)
	}
}

func TestReadRefusesUnknownMajor(t *testing.T) {
	_, err := reports.Read(strings.NewReader(`{"schemaVersion":"2.0","kind":"run"}`))
	if !errors.Is(err, reports.ErrSchemaVersion) || !strings.Contains(err.Error(), `"2.0"`) {
		t.Fatalf("err = %v, want ErrSchemaVersion naming 2.0", err)
	}
	_, err = reports.Read(strings.NewReader(`{"kind":"run"}`))
	if !errors.Is(err, reports.ErrSchemaVersion) {
		t.Fatalf("missing version: err = %v", err)
	}
}

func TestReadAcceptsNewerMinorWithUnknownFields(t *testing.T) {
	var b bytes.Buffer
	if err := reports.Write(&b, reportstest.SimSample()); err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(b.String(), `"schemaVersion": "1.0"`, `"schemaVersion": "1.7", "futureField": [1,2]`, 1)
	if _, err := reports.Read(strings.NewReader(s)); err != nil {
		t.Fatalf("1.7 with an unknown field: %v", err)
	}
}

func TestValidateNamesField(t *testing.T) {
	cases := []struct {
		field string
		edit  func(r *reports.Results)
	}{
		{"kind", func(r *reports.Results) { r.Kind = "bench" }},
		{"name", func(r *reports.Results) { r.Name = "" }},
		{"verdict", func(r *reports.Results) { r.Verdict = "ok" }},
		{"finished", func(r *reports.Results) { r.Finished = r.Started.Add(-1) }},
		{"checks[2].verdict", func(r *reports.Results) { r.Checks[2].Verdict = "" }},
		{"checks[0].op", func(r *reports.Results) { r.Checks[0].Op = "=<" }},
		{"conformance[3].result", func(r *reports.Results) { r.Conformance[3].Result = "Passed" }},
		{"conformance[1].id", func(r *reports.Results) { r.Conformance[1].ID = r.Conformance[0].ID }},
		{"timeline[5].t", func(r *reports.Results) { r.Timeline[5].T = 2 }},
		{"timeline[4].successes", func(r *reports.Results) { r.Timeline[4].Successes = 999 }},
		{"faults[0].end", func(r *reports.Results) { r.Faults[0].End = 1 }},
		{"propagation[7].stage", func(r *reports.Results) { r.Propagation[7].Stage = "zone" }},
		{"failures[1].message", func(r *reports.Results) { r.Failures[1].Message = "" }},
	}
	for _, c := range cases {
		r := reportstest.Sample()
		c.edit(r)
		err := r.Validate()
		var fe *reports.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: err = %v, want a FieldError for that field", c.field, err)
		}
		if err := reports.Write(&bytes.Buffer{}, r); err == nil {
			t.Errorf("%s: Write accepted invalid results", c.field)
		}
	}
}
