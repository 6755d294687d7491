package http

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"upgrades/domain"
)

// healthz answers while the process runs.
func (h *handlers) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz answers once the database does too, and no longer once the
// server is draining: load balancers stop sending new requests while the
// ones they sent are still served.
func (h *handlers) readyz(c *gin.Context) {
	if h.drain.Draining() {
		c.Header("Connection", "close")
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorJSON{Error: "unavailable", Message: "the server is shutting down"})
		return
	}
	if err := h.db.Ping(c.Request.Context()); err != nil {
		p := problemOf(domain.WrapError(domain.KindUnavailable, err, "the database is not answering"))
		h.logProblem(c, p, err)
		c.AbortWithStatusJSON(p.Status, errorJSON{Error: p.Code, Message: p.Message})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// asset serves the embedded stylesheet and friends.
func (h *handlers) asset(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
	b, err := fs.ReadFile(assetFiles, "assets/"+name)
	if err != nil || name == "" {
		h.fail(c, notFound("no such file"))
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, ct, b)
}
