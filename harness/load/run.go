package load

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Run sends the load Spec describes and returns every request's record. It stops early, with
// the records gathered so far, when ctx is cancelled. Each call builds its own Attacker: vegeta
// attackers are single-use.
func Run(ctx context.Context, spec Spec) (*Result, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	s := spec.withDefaults()
	// Our own client so in-flight requests carry ctx: vegeta's Stop only stops new hits, and a
	// worker stuck on a black-holed target would otherwise hold Run until its timeout.
	tr := &http.Transport{
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: int(s.MaxWorkers),
		IdleConnTimeout:     30 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: s.Timeout, Transport: ctxTransport{ctx: ctx, next: tr}}
	atk := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(s.Workers),
		vegeta.MaxWorkers(s.MaxWorkers),
		vegeta.MaxBody(MaxBodyBytes),
	)
	hdr := s.Headers.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	if s.Host != "" {
		hdr.Set("Host", s.Host) // vegeta copies a Host header into req.Host
	}
	targeter := vegeta.NewStaticTargeter(vegeta.Target{Method: s.Method, URL: s.Target, Header: hdr})

	var pacer vegeta.Pacer = vegeta.ConstantPacer{Freq: s.Rate, Per: time.Second}
	if s.RampTo > 0 && s.RampTo != s.Rate {
		pacer = vegeta.LinearPacer{
			StartAt: vegeta.Rate{Freq: s.Rate, Per: time.Second},
			Slope:   float64(s.RampTo-s.Rate) / s.Duration.Seconds(),
		}
	}

	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-stopped:
		}
	}()

	res := &Result{Name: s.Name, Start: time.Now()}
	expect := int(float64(max(s.Rate, s.RampTo)) * s.Duration.Seconds())
	res.Records = make([]Record, 0, expect+1)
	for r := range atk.Attack(targeter, pacer, s.Duration, s.Name) {
		if ctx.Err() != nil && strings.Contains(r.Error, context.Canceled.Error()) {
			continue // cut short by the caller, not a failure of the target
		}
		res.Records = append(res.Records, record(res.Start, r))
	}
	res.Sort()
	return res, nil
}

// record keeps what a report needs from a vegeta result and drops the body.
func record(start time.Time, r *vegeta.Result) Record {
	rec := Record{
		Offset:  r.Timestamp.Sub(start),
		Latency: r.Latency,
		Code:    r.Code,
		Err:     r.Error,
	}
	if r.Headers != nil {
		rec.Zone = r.Headers.Get(ZoneHeader)
	}
	if rec.Zone == "" && len(r.Body) > 0 && r.Body[0] == '{' {
		var body struct {
			Zone string `json:"zone"`
		}
		if json.Unmarshal(r.Body, &body) == nil {
			rec.Zone = body.Zone
		}
	}
	return rec
}

// ctxTransport ties every request to the run's context.
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(r.WithContext(t.ctx))
}
