// Command etcd is etcd's server; go install cannot build it directly because
// its module carries replace directives, so this module wraps its entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
