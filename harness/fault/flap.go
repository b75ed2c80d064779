package fault

import (
	"errors"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/scenarios"
)

// Flap toggles a partition: down for Period, up for Period, and so on until healed. The first
// phase is down. Heal stops the toggling goroutine and leaves the link up.
type Flap struct {
	Period time.Duration
	OneWay bool
	// Toggled, if set, is called after each change with the new state (true = partitioned);
	// tests and the observer use it to see the phases without sleeping.
	Toggled func(down bool)
}

// Type is "flap".
func (Flap) Type() string { return scenarios.FaultFlap }

// Inject starts the toggling goroutine with the link partitioned.
func (f Flap) Inject(t Toxics) (func() error, error) {
	if f.Period <= 0 {
		return nil, errors.New("flap: period must be positive")
	}
	p := Partition{OneWay: f.OneWay}
	healPart, err := p.Inject(t)
	if err != nil {
		return nil, err
	}
	if f.Toggled != nil {
		f.Toggled(true)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	var mu sync.Mutex // guards healPart and loopErr between the loop and heal
	var loopErr error
	go func() {
		defer close(done)
		tick := time.NewTicker(f.Period)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			mu.Lock()
			var down bool
			var e error
			if healPart != nil {
				e = healPart()
				healPart = nil
			} else {
				healPart, e = p.Inject(t)
				down = e == nil
			}
			if e != nil && loopErr == nil {
				loopErr = e
			}
			mu.Unlock()
			if f.Toggled != nil {
				f.Toggled(down)
			}
		}
	}()
	var once sync.Once
	var healErr error
	return func() error {
		once.Do(func() {
			close(stop)
			<-done
			mu.Lock()
			defer mu.Unlock()
			if healPart != nil {
				healErr = healPart()
				healPart = nil
			}
			if healErr == nil {
				healErr = loopErr
			}
		})
		return healErr
	}, nil
}

func init() {
	Register(scenarios.FaultFlap, func(f *scenarios.Fault) (Fault, error) {
		return Flap{Period: f.Period.D(), OneWay: !f.IsTwoWay()}, nil
	})
}
