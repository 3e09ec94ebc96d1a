// Makes the embedded database's template for the current migrations (src/lib/pglite-template.ts)
// if it is missing, so the first start on an empty DATA_DIR copies it instead of running initdb
// and every migration. `npm start` and `npm run build` run this; it is quick when the template exists.
import { ensureTemplate, TEMPLATE_CACHE_DIR } from '../src/lib/pglite-template.js';

const started = performance.now();
const template = await ensureTemplate();
if (!template) console.warn(`embedded database template not made: ${TEMPLATE_CACHE_DIR} cannot be written (each new DATA_DIR runs initdb instead)`);
else console.log(`embedded database template: ${template} (${Math.round(performance.now() - started)} ms)`);
