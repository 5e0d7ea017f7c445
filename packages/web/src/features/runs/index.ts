// The runs feature's public surface: the app imports only from here.
export { RunsPage } from './components/RunsPage.tsx';
