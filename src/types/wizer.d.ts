// @bytecodealliance/wizer ships no types: its default export is the path of the native binary.
declare module '@bytecodealliance/wizer' {
  const wizerBinaryPath: string;
  export default wizerBinaryPath;
}
