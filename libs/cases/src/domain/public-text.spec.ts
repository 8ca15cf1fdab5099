import { maskPublicText } from './public-text';

describe('public note masking', () => {
  it('masks ID-card and mobile numbers and leaves other text alone', () => {
    expect(maskPublicText('联系 13812345678，身份证 510129199001011234，门牌 23 号')).toBe(
      '联系 138****5678，身份证 5101**********1234，门牌 23 号',
    );
    expect(maskPublicText('已清运 3 车垃圾')).toBe('已清运 3 车垃圾');
  });
});
