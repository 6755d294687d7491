package http

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"upgrades/application"
)

// Deps is what the web edge needs.
type Deps struct {
	App    *application.App
	DB     Pinger
	Logger *slog.Logger
}

// NewRouter builds the Gin engine with every route.
func NewRouter(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", func(c *gin.Context) {
		if err := d.DB.Ping(c.Request.Context()); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"error": "unavailable", "message": "the database is not answering"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
	return r
}
