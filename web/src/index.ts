import { initPage } from './common.ts';

/** Landing page: links to the three views, in the chosen language. */
initPage();
