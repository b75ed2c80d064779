// Command zonemesh is the single binary of the suite; every subcommand lives in package app.
package main

import (
	"os"

	"github.com/zonemesh/zonemesh/cmd/zonemesh/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
