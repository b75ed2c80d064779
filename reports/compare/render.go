package compare

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteText writes the table for a terminal; a regressed cell is marked with "!".
func (c *Comparison) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	widths := make([]int, len(c.Runs)+1)
	widths[0] = len("figure")
	for _, r := range c.Rows {
		widths[0] = max(widths[0], utf8.RuneCountInString(r.Label))
	}
	for i, run := range c.Runs {
		widths[i+1] = utf8.RuneCountInString(run)
		for _, r := range c.Rows {
			widths[i+1] = max(widths[i+1], utf8.RuneCountInString(r.Cells[i])+2)
		}
	}
	pad := func(s string, n int, right bool) string {
		sp := strings.Repeat(" ", max(0, n-utf8.RuneCountInString(s)))
		if right {
			return sp + s
		}
		return s + sp
	}
	fmt.Fprint(bw, pad("figure", widths[0], false))
	for i, run := range c.Runs {
		fmt.Fprint(bw, "  ", pad(run, widths[i+1], true))
	}
	fmt.Fprintln(bw)
	for _, r := range c.Rows {
		fmt.Fprint(bw, pad(r.Label, widths[0], false))
		for i, cell := range r.Cells {
			mark := "  "
			if r.Regressed[i] {
				mark = " !"
			}
			fmt.Fprint(bw, "  ", pad(cell+mark, widths[i+1], true))
		}
		fmt.Fprintln(bw)
	}
	if c.Regressions == 0 {
		fmt.Fprintf(bw, "\nno regressions against %s\n", c.Runs[0])
	} else {
		fmt.Fprintf(bw, "\n%d regression(s) against %s, marked !\n", c.Regressions, c.Runs[0])
	}
	return bw.Flush()
}

//go:embed compare.tmpl
var pageText string

var pageTmpl = template.Must(template.New("compare").Parse(pageText))

// WriteHTML writes the table as one self-contained HTML page.
func (c *Comparison) WriteHTML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if err := pageTmpl.Execute(bw, c); err != nil {
		return fmt.Errorf("compare: render html: %w", err)
	}
	return bw.Flush()
}
