package htmlreport

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Colours shared by the charts and the HTML legends, so a swatch in the page matches its line.
var (
	zonePalette = []string{"#4e79a7", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac", "#86bcb6"}
	colFail     = "#e15759"
	colReq      = "#8c8c8c"
	colOK       = "#4e79a7"
	colRate     = "#59a14f"
	colP50      = "#4e79a7"
	colP99      = "#f28e2b"
	colFault    = "#e15759"
	colEvent    = "#6a3d9a"
	colGrid     = "#e3e3e3"
	colText     = "#333333"
)

func zoneColor(i int) string { return zonePalette[i%len(zonePalette)] }

// rgb parses "#rrggbb"; alpha is 0..255 and is premultiplied as image/color expects.
func rgb(hex string, alpha uint8) color.Color {
	var r, g, b uint8
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	a := uint16(alpha)
	return color.NRGBA{R: r, G: g, B: b, A: uint8(a)}
}

// sans is the chart font. vgsvg writes its family name ("Liberation Sans"); fixFonts adds
// fallbacks so viewers without Liberation still get a sans-serif face of similar width.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// newPlot returns a plot in the house style: sans text, light grid, no title (the HTML
// section heading names the chart).
func newPlot(ylabel string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = color.Transparent
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = sans(9)
		ax.Label.TextStyle.Color = rgb(colText, 255)
		ax.Tick.Label.Font = sans(8)
		ax.Tick.Label.Color = rgb(colText, 255)
		ax.LineStyle.Color = rgb("#9a9a9a", 255)
		ax.Tick.LineStyle.Color = rgb("#9a9a9a", 255)
	}
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = niceTicks{n: 10}
	p.Y.Tick.Marker = niceTicks{n: 4}
	g := plotter.NewGrid()
	g.Vertical.Color = rgb(colGrid, 255)
	g.Horizontal.Color = rgb(colGrid, 255)
	p.Add(g)
	return p
}

// figure draws plots laid out in rows×cols with aligned axes into one SVG element.
func figure(plots [][]*plot.Plot, w, h vg.Length, aria string) (template.HTML, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	rows, cols := len(plots), len(plots[0])
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(18), PadY: vg.Points(10),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(10)}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j, p := range plots[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("htmlreport: write svg: %w", err)
	}
	return template.HTML(tidySVG(b.String(), aria)), nil
}

var (
	svgSize  = regexp.MustCompile(`<svg width="[^"]*" height="[^"]*"`)
	fontDecl = strings.NewReplacer("font-family:Liberation Sans;", `font-family:'Liberation Sans',Arimo,Arial,Helvetica,sans-serif;`)
)

// tidySVG makes vgsvg's document embeddable: it drops the XML prolog and generator comment,
// lets the viewBox scale the chart to the page width, labels it for screen readers and adds
// font fallbacks.
func tidySVG(s, aria string) string {
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	s = svgSize.ReplaceAllLiteralString(s, `<svg class="chart" role="img" aria-label="`+template.HTMLEscapeString(aria)+`"`)
	s = fontDecl.Replace(s)
	return strings.TrimSpace(s)
}
