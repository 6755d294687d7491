package http

import (
	"encoding/csv"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// csvWriter writes a CSV download, row by row, straight to the client.
type csvWriter struct{ w *csv.Writer }

// startCSV sends the headers of a CSV file named filename.
func startCSV(c *gin.Context, filename string) csvWriter {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Status(http.StatusOK)
	return csvWriter{csv.NewWriter(c.Writer)}
}

// row writes one row, each cell made safe to open in a spreadsheet.
func (cw csvWriter) row(cells ...string) error {
	for i, s := range cells {
		cells[i] = csvSafe(s)
	}
	return cw.w.Write(cells)
}

// flush sends what is buffered and reports the first error of the file.
func (cw csvWriter) flush() error {
	cw.w.Flush()
	return cw.w.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (CSV
// injection): a cell that starts with = + - @, a tab or a carriage return
// is prefixed with an apostrophe, which spreadsheets show as text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
