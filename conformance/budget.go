package conformance

import (
	"fmt"
	"strings"
	"time"
)

// Budgets are per-requirement overrides of the default budget, bounded by each maximum.
type Budgets map[string]time.Duration

// ParseBudget parses one ID=DURATION override and checks it against the catalog.
func ParseBudget(catalog []*Requirement, s string, into Budgets) error {
	id, d, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("budget %q: want ID=DURATION", s)
	}
	dur, err := time.ParseDuration(d)
	if err != nil {
		return fmt.Errorf("budget %s: %w", id, err)
	}
	r := Find(catalog, id)
	if r == nil {
		return fmt.Errorf("budget %s: no such requirement", id)
	}
	if dur <= 0 {
		return fmt.Errorf("budget %s: %v is not positive", id, dur)
	}
	if dur > r.Budget.Max {
		return fmt.Errorf("budget %s: %v exceeds the documented maximum %v", id, dur, r.Budget.Max)
	}
	into[id] = dur
	return nil
}

// For is the budget of a requirement after overrides.
func (b Budgets) For(r *Requirement) time.Duration {
	if d, ok := b[r.ID]; ok {
		return d
	}
	return r.Budget.Default
}

// Find returns the requirement with the ID, or nil.
func Find(catalog []*Requirement, id string) *Requirement {
	for _, r := range catalog {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// ValidateCatalog checks every requirement, unique IDs and that every area is covered.
func ValidateCatalog(catalog []*Requirement) error {
	seen := map[string]bool{}
	areas := map[Area]int{}
	for _, r := range catalog {
		if err := r.Validate(); err != nil {
			return err
		}
		if seen[r.ID] {
			return fmt.Errorf("requirement %q: ID appears twice", r.ID)
		}
		seen[r.ID] = true
		areas[r.Area()]++
	}
	for _, a := range Areas() {
		if areas[a.Area] == 0 {
			return fmt.Errorf("catalog: area %s (%s) has no requirement", a.Area, a.Title)
		}
	}
	return nil
}
