package scenarios

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// positions maps field paths to the line of the YAML that wrote them, so semantic checks made
// on the decoded structs can still point at a line.
type positions struct {
	line  map[string]int    // path -> line of its key (mapping entry) or item (sequence)
	byLoc map[[2]int]string // (line, column) of a value node -> path
	keys  map[int][]string  // line -> paths of mapping keys on that line
	value map[string]string // path -> scalar value, to tell apart fields sharing a line
}

func indexPositions(doc *yaml.Node) *positions {
	p := &positions{line: map[string]int{}, byLoc: map[[2]int]string{}, keys: map[int][]string{}, value: map[string]string{}}
	if doc != nil && doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		p.walk("", doc.Content[0])
	}
	return p
}

func (p *positions) walk(path string, n *yaml.Node) {
	p.byLoc[[2]int{n.Line, n.Column}] = path
	if n.Kind == yaml.ScalarNode {
		p.value[path] = n.Value
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			child := k.Value
			if path != "" {
				child = path + "." + k.Value
			}
			p.line[child] = k.Line
			p.keys[k.Line] = append(p.keys[k.Line], child)
			p.walk(child, v)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			child := path + "[" + strconv.Itoa(i) + "]"
			p.line[child] = item.Line
			p.walk(child, item)
		}
	}
}

// lineOf returns the line of path, or of its nearest ancestor that was written (a missing
// required field is reported where its parent is).
func (p *positions) lineOf(path string) int {
	for path != "" {
		if l, ok := p.line[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

var (
	reLineCol  = regexp.MustCompile(`^line (\d+) column (\d+): (.*)$`)
	reLine     = regexp.MustCompile(`^line (\d+): (.*)$`)
	reNotFound = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	reBadValue = regexp.MustCompile("^cannot unmarshal !!\\w+ `(.*)` into")
)

// fromDecoder turns one message of a yaml.TypeError into an Error with a field path.
func (p *positions) fromDecoder(file, msg string) *Error {
	if m := reLineCol.FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		c, _ := strconv.Atoi(m[2])
		return &Error{File: file, Line: l, Path: p.byLoc[[2]int{l, c}], Msg: m[3]}
	}
	m := reLine.FindStringSubmatch(msg)
	if m == nil {
		return &Error{File: file, Msg: msg}
	}
	l, _ := strconv.Atoi(m[1])
	e := &Error{File: file, Line: l, Msg: m[2]}
	if nf := reNotFound.FindStringSubmatch(m[2]); nf != nil {
		e.Msg = "unknown field " + strconv.Quote(nf[1])
		for _, k := range p.keys[l] {
			if k == nf[1] || strings.HasSuffix(k, "."+nf[1]) {
				e.Path = k
				break
			}
		}
		return e
	}
	// "cannot unmarshal !!str `x` into int": find the field on that line with that value.
	cands := p.keys[l]
	if bv := reBadValue.FindStringSubmatch(m[2]); bv != nil {
		for _, k := range cands {
			if p.value[k] == bv[1] {
				e.Path = k
				return e
			}
		}
	}
	if len(cands) == 1 {
		e.Path = cands[0]
	}
	return e
}
