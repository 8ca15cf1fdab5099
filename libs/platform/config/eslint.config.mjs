import base from '../../../eslint.config.mjs';

// This library is where the environment is read, so the no-process-env rule does not apply.
export default [...base, { files: ['**/*.ts'], rules: { 'no-restricted-properties': 'off' } }];
