import { maskDoor, maskIdNumber, maskName, maskPhone } from './masking';

describe('masking', () => {
  it('keeps the first and last four characters of an ID number', () => {
    expect(maskIdNumber('510129199001011234')).toBe('5101**********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskIdNumber('1234567')).toBe('*******');
  });

  it('keeps the carrier prefix and last four digits of a mobile number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('028-8888123')).toBe('*******8123');
    expect(maskPhone('12345')).toBe('****5');
    expect(maskPhone('123')).toBe('***');
  });

  it('hides the flat but keeps the building or unit prefix of a door', () => {
    expect(maskDoor('501')).toBe('**');
    expect(maskDoor('3-501')).toBe('3-**');
    expect(maskDoor('2单元501')).toBe('2单元**');
    expect(maskDoor('')).toBe('');
  });

  it('keeps the surname, including compound surnames', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('王小明')).toBe('王**');
    expect(maskName('欧阳修文')).toBe('欧阳**');
    expect(maskName('欧阳')).toBe('欧*');
    expect(maskName('李')).toBe('*');
  });
});
