// Starts Swagger UI (shipped by the swagger-ui-bundle package) on the API's OpenAPI document.
window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
