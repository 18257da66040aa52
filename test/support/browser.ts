// The scripted browser of the flow tests is the conformance kit's (one cookie jar for both).
export * from '@koppelmij/conformance/browser';
