// GraphQL Code Generator entry point (`npx graphql-codegen`); `npm run codegen` is the command to use
// (it also formats the files and has a --check mode). The configuration lives in tools/codegen/.
import { codegenConfig } from './tools/codegen/config';

export default codegenConfig();
