// Package htmlreport renders a results file as one self-contained HTML page: inline CSS and
// inline SVG charts drawn with gonum/plot, no scripts and no external assets, so the page can
// be archived next to the evidence and opened anywhere. The same input gives the same bytes.
package htmlreport
