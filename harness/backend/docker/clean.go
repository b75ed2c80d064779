package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"syscall"

	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"
)

// CleanOptions select what Clean removes.
type CleanOptions struct {
	// RunID removes that run only; empty: every run whose harness process is gone.
	RunID string
	// All also removes runs whose harness process still runs (it may be a reused pid).
	All bool
	// Images also removes the zonemesh images this package built.
	Images bool
}

// Cleaned is what Clean removed.
type Cleaned struct {
	Runs       []string // run ids
	Containers int
	Networks   int
	Images     int
	// Skipped are runs left alone because their harness process is alive.
	Skipped []string
}

// Clean removes the containers and networks a run left behind (a crashed or killed harness
// cannot run Close), found by their labels.
func Clean(ctx context.Context, cli *tc.DockerClient, o CleanOptions) (*Cleaned, error) {
	sel := LabelRun
	if o.RunID != "" {
		sel += "=" + o.RunID
	}
	f := client.Filters{}.Add("label", sel)
	ctrs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list containers: %w", err)
	}
	nets, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list networks: %w", err)
	}
	// A run is removed whole or not at all: decide per run from any of its objects' labels.
	pids := map[string]string{}
	for _, c := range ctrs.Items {
		pids[c.Labels[LabelRun]] = c.Labels[LabelPID]
	}
	for _, n := range nets.Items {
		pids[n.Labels[LabelRun]] = n.Labels[LabelPID]
	}
	res := &Cleaned{}
	doomed := map[string]bool{}
	for run, pid := range pids {
		if o.RunID == "" && !o.All && alive(pid) {
			res.Skipped = append(res.Skipped, run)
			continue
		}
		doomed[run] = true
		res.Runs = append(res.Runs, run)
	}
	sort.Strings(res.Runs)
	sort.Strings(res.Skipped)
	var errs []error
	for _, c := range ctrs.Items {
		if !doomed[c.Labels[LabelRun]] {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("docker: remove container %s: %w", c.ID[:12], err))
			continue
		}
		res.Containers++
	}
	for _, n := range nets.Items {
		if !doomed[n.Labels[LabelRun]] {
			continue
		}
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("docker: remove network %s: %w", n.Name, err))
			continue
		}
		res.Networks++
	}
	if o.Images {
		imgs, err := cli.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", LabelImage)})
		if err != nil {
			errs = append(errs, fmt.Errorf("docker: list images: %w", err))
		} else {
			for _, im := range imgs.Items {
				if _, err := cli.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
					errs = append(errs, fmt.Errorf("docker: remove image %s: %w", im.ID, err))
					continue
				}
				res.Images++
			}
		}
	}
	return res, errors.Join(errs...)
}

// alive reports whether the harness process with this pid still runs on this machine.
func alive(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return false
	}
	p, err := os.FindProcess(n)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Labelled counts the containers (whatever their state) and networks carrying label
// ("key=value"): what `docker ps -a` and `docker network ls` show of a run.
func Labelled(ctx context.Context, cli *tc.DockerClient, label string) (containers, networks int, err error) {
	f := client.Filters{}.Add("label", label)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, 0, err
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return 0, 0, err
	}
	return len(cs.Items), len(ns.Items), nil
}
