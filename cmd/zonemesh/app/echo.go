package app

import (
	"context"
	"fmt"

	"github.com/zonemesh/zonemesh/dataplane/echo"
)

func init() {
	register(Command{Name: "echo", Summary: "run the echo test workload (answers with its identity and the caller's)", Run: runEcho})
}

func runEcho(ctx context.Context, s Streams, args []string) error {
	fs := newFlagSet("echo", s)
	var id echo.Identity
	listen := fs.String("listen", "127.0.0.1:8080", "HTTP listen address")
	tcp := fs.String("tcp-listen", "", "raw TCP echo listen address (optional)")
	fs.StringVar(&id.Service, "service", "", "service name (required)")
	fs.StringVar(&id.Version, "version", "", "version tag")
	fs.StringVar(&id.Zone, "zone", "", "zone (required)")
	fs.StringVar(&id.Instance, "instance", "", "instance name (default: the listen address)")
	ready := fs.String("ready-file", "", "write the bound addresses here (JSON) once serving")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if id.Service == "" || id.Zone == "" {
		return fmt.Errorf("%w: --service and --zone are required", ErrUsage)
	}
	srv := echo.New(id)
	if err := srv.Start(*listen, *tcp); err != nil {
		return err
	}
	defer srv.Close()
	if id.Instance == "" {
		srv.SetInstance(srv.Addr())
	}
	if err := writeReadyFile(*ready, map[string]string{"http": srv.Addr(), "tcp": srv.TCPAddr()}); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "echo %s (zone %s): http://%s\n", id.Service, id.Zone, srv.Addr())
	<-ctx.Done()
	return nil
}
