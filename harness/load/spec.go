package load

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Defaults for unset Spec fields.
const (
	DefaultWorkers    = 8
	DefaultMaxWorkers = 256 // vegeta's own default is unbounded; a black-holed target would then start a goroutine per tick
	DefaultTimeout    = 5 * time.Second
	MaxBodyBytes      = 4 << 10 // enough for the echo's JSON answer; the rest is discarded
)

// ZoneHeader is the response header that names the zone which answered.
const ZoneHeader = "x-zonemesh-zone"

// Spec describes one load phase.
type Spec struct {
	Name       string      // attack name, for logs
	Target     string      // absolute http:// URL
	Method     string      // default GET
	Host       string      // Host header, if different from the URL's host
	Headers    http.Header // extra request headers
	Rate       int         // requests per second at the start
	RampTo     int         // requests per second at the end; 0 = constant Rate
	Duration   time.Duration
	Workers    uint64 // initial workers; default DefaultWorkers
	MaxWorkers uint64 // cap on workers; default DefaultMaxWorkers, never unbounded
	Timeout    time.Duration
}

func (s *Spec) validate() error {
	var errs []error
	u, err := url.Parse(s.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("target: %q is not an absolute http(s) URL", s.Target))
	}
	if s.Rate <= 0 {
		errs = append(errs, errors.New("rate: must be positive"))
	}
	if s.RampTo < 0 {
		errs = append(errs, errors.New("rampTo: must not be negative"))
	}
	if s.Duration <= 0 {
		errs = append(errs, errors.New("duration: must be positive"))
	}
	if s.Timeout < 0 {
		errs = append(errs, errors.New("timeout: must not be negative"))
	}
	if s.MaxWorkers != 0 && s.Workers > s.MaxWorkers {
		errs = append(errs, errors.New("maxWorkers: must be at least workers"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("load: %w", errors.Join(errs...))
	}
	return nil
}

func (s Spec) withDefaults() Spec {
	if s.Method == "" {
		s.Method = http.MethodGet
	}
	if s.Workers == 0 {
		s.Workers = DefaultWorkers
	}
	if s.MaxWorkers == 0 {
		s.MaxWorkers = max(DefaultMaxWorkers, s.Workers)
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	return s
}
