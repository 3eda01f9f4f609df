// Starts nhsuk-frontend's components (header menu, skip link, error summary...).
import { initAll } from "/static/nhsuk/nhsuk-frontend.min.js";

initAll();
