// Every module's event consumers, registered on import (as the schema's types are): the app
// imports this once, so whatever path writes a change, the same consumers hear of it.
import './timeline/timeline.consumers.js';
import './realtime/realtime.consumers.js';
import './tasks/tasks.consumers.js';
