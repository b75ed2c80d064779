package measure

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/zonemesh/zonemesh/harness/mesh"
)

// genStats are the zone xDS server's cumulative generation counters.
type genStats struct {
	seconds   float64 // zonemesh_xds_generation_seconds_sum: time spent in passes
	passes    float64 // zonemesh_xds_generation_seconds_count
	generated float64 // zonemesh_xds_generations_total: proxy configs generated
	cpu       float64 // process_cpu_seconds_total: the zone process's CPU time (0 if absent)
}

func (g genStats) minus(o genStats) genStats {
	return genStats{seconds: g.seconds - o.seconds, passes: g.passes - o.passes, generated: g.generated - o.generated, cpu: g.cpu - o.cpu}
}

// scrape reads a zone's generation counters from its /metrics.
func scrape(ctx context.Context, z *mesh.Zone) (genStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, z.Info.APIURL+"/metrics", nil)
	if err != nil {
		return genStats{}, err
	}
	if z.Client != nil && z.Client.Token != "" {
		req.Header.Set("Authorization", "Bearer "+z.Client.Token)
	}
	resp, err := mesh.HTTP.Do(req)
	if err != nil {
		return genStats{}, fmt.Errorf("measure: zone %s metrics: %w", z.Plan.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return genStats{}, fmt.Errorf("measure: zone %s metrics: %s", z.Plan.Name, resp.Status)
	}
	g, err := parseGen(resp.Body)
	if err != nil {
		return genStats{}, fmt.Errorf("measure: zone %s metrics: %w", z.Plan.Name, err)
	}
	return g, nil
}

// parseGen picks the generation counters out of the Prometheus text format.
func parseGen(r io.Reader) (genStats, error) {
	var g genStats
	found := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		var dst *float64
		switch name {
		case "zonemesh_xds_generation_seconds_sum":
			dst = &g.seconds
		case "zonemesh_xds_generation_seconds_count":
			dst = &g.passes
		case "zonemesh_xds_generations_total":
			dst = &g.generated
		case "process_cpu_seconds_total":
			// Not required: it only tells work from waiting for a core.
			v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				return g, fmt.Errorf("%s: %w", name, err)
			}
			g.cpu = v
			continue
		default:
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			return g, fmt.Errorf("%s: %w", name, err)
		}
		*dst = v
		found++
	}
	if err := sc.Err(); err != nil {
		return g, err
	}
	if found < 3 {
		return g, fmt.Errorf("generation metrics missing (found %d of 3)", found)
	}
	return g, nil
}
