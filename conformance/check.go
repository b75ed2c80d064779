package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// ErrUnsupported is wrapped by a Target operation it cannot perform.
var ErrUnsupported = errors.New("conformance: not supported by this target")

// SkipError ends a requirement as Skipped with its reason.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Skip returns an error that ends the requirement as Skipped.
func Skip(format string, args ...any) error { return &SkipError{Reason: fmt.Sprintf(format, args...)} }

// DefaultConsecutive is K: how many consecutive successes an eventually-consistent check needs.
const DefaultConsecutive = 3

// pollInterval spaces the attempts of Eventually.
const pollInterval = 100 * time.Millisecond

// T is what a check gets: the Target, the topology, its budget and cleanup registration.
type T struct {
	Target Target
	Topo   Topology
	// Budget is the requirement's budget after overrides.
	Budget time.Duration
	// K is the number of consecutive successes Eventually needs.
	K int

	mu       sync.Mutex
	cleanups []cleanup
	log      []string
}

type cleanup struct {
	what string
	fn   func(ctx context.Context) error
}

// Logf records a line of evidence; it goes into the report's reason on failure.
func (t *T) Logf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.log = append(t.log, fmt.Sprintf(format, args...))
}

// Cleanup registers fn to restore state after the check; cleanups run last-in first-out.
func (t *T) Cleanup(what string, fn func(ctx context.Context) error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, cleanup{what, fn})
}

// Eventually runs fn until it succeeds K times in a row, within the requirement's budget. The
// budget starts now; the error names what was awaited and the last failure.
func (t *T) Eventually(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	return t.EventuallyWithin(ctx, t.Budget, what, fn)
}

// EventuallyWithin is Eventually with an explicit bound (for set-up steps that are not what the
// requirement measures).
func (t *T) EventuallyWithin(ctx context.Context, d time.Duration, what string, fn func(ctx context.Context) error) error {
	k := t.K
	if k <= 0 {
		k = DefaultConsecutive
	}
	start := time.Now()
	deadline := start.Add(d)
	ok, attempts := 0, 0
	var last error
	for {
		actx, cancel := context.WithDeadline(ctx, deadline.Add(5*time.Second))
		err := fn(actx)
		cancel()
		attempts++
		if err == nil {
			ok++
			if ok >= k {
				t.Logf("%s: %d consecutive successes after %v", what, k, time.Since(start).Round(time.Millisecond))
				return nil
			}
		} else {
			ok, last = 0, err
		}
		if time.Now().After(deadline) {
			if ok > 0 {
				return fmt.Errorf("%s: only %d of %d consecutive successes within %v (%d attempts)", what, ok, k, d, attempts)
			}
			return fmt.Errorf("%s: not reached within %v (%d attempts): %w", what, d, attempts, last)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last: %v)", what, ctx.Err(), last)
		case <-time.After(pollInterval):
		}
	}
}

// Apply applies YAML policies and registers their deletion as cleanup. A document naming the
// baseline permission is restored to the baseline instead of deleted.
func (t *T) Apply(ctx context.Context, doc string) error {
	keys, err := docKeys(doc)
	if err != nil {
		return err
	}
	if err := t.Target.Apply(ctx, []byte(doc)); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	for _, k := range keys {
		if k[1] == BaselinePermission {
			t.Cleanup("restore baseline", func(ctx context.Context) error { return t.Target.Apply(ctx, []byte(t.Topo.Baseline)) })
			continue
		}
		t.Cleanup("delete "+k[0]+" "+k[1], func(ctx context.Context) error { return t.Target.Delete(ctx, k[0], k[1]) })
	}
	return nil
}

// docKeys lists kind and name of every document of a YAML stream.
func docKeys(doc string) ([][2]string, error) {
	dec := yaml.NewDecoder(strings.NewReader(doc))
	var out [][2]string
	for {
		var m struct{ Kind, Name string }
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("policy YAML: %w", err)
		}
		if m.Kind == "" || m.Name == "" {
			return nil, errors.New("policy YAML: a document lacks kind or name")
		}
		out = append(out, [2]string{m.Kind, m.Name})
	}
}

// Do performs an action and registers the inverse (kill → restart, pause → resume) as cleanup.
func (t *T) Do(ctx context.Context, a Action, c Component) error {
	if err := t.Target.Do(ctx, a, c); err != nil {
		return err
	}
	switch a {
	case ActionKill:
		t.Cleanup("restart "+c.String(), func(ctx context.Context) error { return t.Target.Do(ctx, ActionRestart, c) })
	case ActionPause:
		t.Cleanup("resume "+c.String(), func(ctx context.Context) error { return t.Target.Do(ctx, ActionResume, c) })
	}
	return nil
}

// Partition cuts a link and registers its heal; the returned heal may be called earlier
// (healing twice is harmless).
func (t *T) Partition(ctx context.Context, l Link) (heal func(ctx context.Context) error, err error) {
	id, err := t.Target.Partition(ctx, l)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	var herr error
	heal = func(ctx context.Context) error {
		once.Do(func() { herr = t.Target.Heal(ctx, id) })
		return herr
	}
	t.Cleanup("heal "+l.String(), heal)
	return heal, nil
}

// SetBehaviour changes how instances answer and registers the reset.
func (t *T) SetBehaviour(ctx context.Context, zone, service string, b Behaviour) error {
	if err := t.Target.SetBehaviour(ctx, zone, service, b); err != nil {
		return err
	}
	t.Cleanup("reset "+service+" behaviour", func(ctx context.Context) error {
		return t.Target.SetBehaviour(ctx, zone, service, Behaviour{})
	})
	return nil
}

// Sample is the outcome of n calls: counts per answering zone, version and status.
type Sample struct {
	N        int
	Errors   int // transport errors
	Status   map[int]int
	Zone     map[string]int
	Version  map[string]int
	Callers  map[string]int
	Instance map[string]int
	LastErr  error
	Duration time.Duration
}

// OK is the number of 200 answers.
func (s *Sample) OK() int { return s.Status[http.StatusOK] }

// Share is the share of 200 answers for which key(zone or version) matched.
func (s *Sample) Share(counts map[string]int, key string) float64 {
	if s.OK() == 0 {
		return 0
	}
	return float64(counts[key]) / float64(s.OK())
}

func (s *Sample) String() string {
	return fmt.Sprintf("n=%d errors=%d status=%s zones=%s versions=%s", s.N, s.Errors, fmtIntMap(s.Status), fmtMap(s.Zone), fmtMap(s.Version))
}

// Calls sends n calls with the given concurrency and tallies who answered.
func (t *T) Calls(ctx context.Context, n, concurrency int, from, service, path string, hdr http.Header) *Sample {
	s := &Sample{N: n, Status: map[int]int{}, Zone: map[string]int{}, Version: map[string]int{}, Callers: map[string]int{}, Instance: map[string]int{}}
	if concurrency < 1 {
		concurrency = 1
	}
	start := time.Now()
	var mu sync.Mutex
	work := make(chan struct{})
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				a, err := t.Target.Call(ctx, from, service, path, hdr)
				mu.Lock()
				if err != nil {
					s.Errors++
					s.LastErr = err
				} else {
					s.Status[a.Status]++
					if a.Status == http.StatusOK {
						s.Zone[a.Zone]++
						s.Version[a.Version]++
						s.Callers[a.Caller]++
						s.Instance[a.Instance]++
					}
				}
				mu.Unlock()
			}
		}()
	}
	for range n {
		if ctx.Err() != nil {
			break
		}
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	s.Duration = time.Since(start)
	return s
}

// WithinTolerance says whether share is within tol of want; the message states sample and
// tolerance either way (distribution checks state both).
func WithinTolerance(what string, share, want, tol float64, n int) error {
	if share < want-tol || share > want+tol {
		return fmt.Errorf("%s: share %.3f outside %.2f±%.2f (sample %d)", what, share, want, tol, n)
	}
	return nil
}

func fmtMap(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%d", k, m[k])
	}
	b.WriteByte('}')
	return b.String()
}

func fmtIntMap(m map[int]int) string {
	s := map[string]int{}
	for k, v := range m {
		s[fmt.Sprint(k)] = v
	}
	return fmtMap(s)
}
